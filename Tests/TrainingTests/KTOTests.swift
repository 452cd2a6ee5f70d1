import Foundation
import Testing
@testable import Training

@Suite struct KTOTests {
    /// `sequence_logps.kto` of the fixture: the 6 examples and their KL sequences.
    static func fixtureBatch() throws -> KTO.Batch<Float> {
        let examples = try Fixture.preference()["sequence_logps", "kto"].array
        func column(_ key: String) throws -> [Float] { try examples.map { Float(try $0[key].double) } }
        return KTO.Batch(policy: try column("policy"), reference: try column("ref"),
                         desirable: try examples.map { try $0["label"].bool },
                         policyKL: try column("kl_policy"), referenceKL: try column("kl_ref"))
    }

    @Test func agreesWithFixture() throws {
        let kto = try Fixture.preference()["kto"]
        let parameters = KTO.Parameters(beta: try kto["beta"].double, desirableWeight: try kto["desirable_weight"].double,
                                        undesirableWeight: try kto["undesirable_weight"].double)
        let r = try KTO.loss(try Self.fixtureBatch(), parameters: parameters)
        expectClose(r.klRaw, try kto["kl_raw"].double, "kl_raw")
        expectClose(r.z, try kto["z"].double, "z")
        expectClose(r.perExample, try kto["per_example_loss"].doubles, "per_example_loss")
        expectClose(r.loss, try kto["loss"].double, "loss")
        expectClose(r.rewardsChosen ?? .nan, try kto["rewards/chosen"].double, "rewards/chosen")
        expectClose(r.rewardsRejected ?? .nan, try kto["rewards/rejected"].double, "rewards/rejected")
    }

    @Test func klPairsRotateCompletionsByOneAsTheFixture() throws {
        let f = try Fixture.preference("pairs.json")
        let examples = try f["kto"].array.map {
            LabelledCompletion(prompt: try $0["prompt_ids"].ints, completion: try $0["completion_ids"].ints,
                               desirable: try $0["label"].bool)
        }
        let sources = try Fixture.preference()["sequence_logps", "kto"].array.map { try $0["kl_completion_from_example"].int }
        let pairs = KTO.klPairs(examples)
        #expect(pairs.count == examples.count)
        for (i, pair) in pairs.enumerated() {
            #expect(pair.prompt == examples[i].prompt)
            #expect(pair.completion == examples[sources[i]].completion, "KL pair \(i)")
        }
    }

    @Test(arguments: [0.0, -3.0])
    func gradientMatchesFiniteDifferences(klShift: Double) throws {
        // klShift −3 makes mean(π_KL − ref_KL) negative, so z is clamped to 0.
        let b = try Self.fixtureBatch()
        let parameters = KTO.Parameters(beta: 0.1, desirableWeight: 1.7, undesirableWeight: 0.6)
        func batch(_ policy: [Double]) -> KTO.Batch<Double> {
            KTO.Batch(policy: policy, reference: widened(b.reference), desirable: b.desirable,
                      policyKL: widened(b.policyKL).map { $0 + klShift }, referenceKL: widened(b.referenceKL))
        }
        let policy = widened(b.policy)
        let r = try KTO.loss(batch(policy), parameters: parameters)
        #expect(klShift == 0 ? r.z > 0 : r.z == 0)
        let fd = try finiteDifferences(policy) { try KTO.loss(batch($0), parameters: parameters).loss }
        expectClose(r.gradPolicy, fd, tol: 1e-8, "KTO dπ (shift \(klShift))")
    }

    @Test func balancedWeightsMakeTheClassRatioOne() throws {
        // n_D = 2, n_U = 6 ⇒ λ_D = 6/2 = 3, λ_U = 1, λ_D·n_D/(λ_U·n_U) = 6/6 = 1.
        let p = KTO.Parameters.balanced(beta: 0.2, desirableCount: 2, undesirableCount: 6)
        #expect(p == KTO.Parameters(beta: 0.2, desirableWeight: 3, undesirableWeight: 1))
        #expect(p.classWeightRatio(desirableCount: 2, undesirableCount: 6) == 1)
        // One class only: nothing to balance.
        #expect(KTO.Parameters.balanced(desirableCount: 0, undesirableCount: 4) == KTO.Parameters())
        // An explicit override is kept as given: 1.0·4/(1.0·3) = 4/3, the top of the paper's range.
        #expect(KTO.Parameters().classWeightRatio(desirableCount: 4, undesirableCount: 3) == 4.0 / 3.0)
    }

    @Test func weightsScaleEachClass() throws {
        // Same batch with λ_D = 2: desirable per-example losses double, undesirable ones stay.
        let b = try Self.fixtureBatch()
        let one = try KTO.loss(b)
        let two = try KTO.loss(b, parameters: .init(desirableWeight: 2))
        for i in b.desirable.indices {
            #expect(abs(two.perExample[i] - (b.desirable[i] ? 2 : 1) * one.perExample[i]) < 1e-15)
        }
    }

    @Test func unpairedSplitsChosenAndRejected() {
        let pairs = [PreferencePair(prompt: "熱は?", chosen: "38.5℃です", rejected: "わかりません"),
                     PreferencePair(prompt: "p2", chosen: "c2", rejected: "r2")]
        let split = KTO.unpaired(pairs)
        #expect(split == [
            LabelledCompletion(prompt: "熱は?", completion: "38.5℃です", desirable: true),
            LabelledCompletion(prompt: "p2", completion: "c2", desirable: true),
            LabelledCompletion(prompt: "熱は?", completion: "わかりません", desirable: false),
            LabelledCompletion(prompt: "p2", completion: "r2", desirable: false),
        ])
    }

    @Test func badInputIsRejected() {
        let b = KTO.Batch<Float>(policy: [-1, -2], reference: [-1, -2], desirable: [true], policyKL: [], referenceKL: [])
        #expect(throws: ObjectiveError.countMismatch(field: "desirable", expected: 2, actual: 1)) { try KTO.loss(b) }
        #expect(throws: ObjectiveError.self) {
            try KTO.loss(KTO.Batch<Float>(policy: [-1], reference: [-1], desirable: [true], policyKL: [], referenceKL: []),
                         parameters: .init(undesirableWeight: 0))
        }
    }
}
