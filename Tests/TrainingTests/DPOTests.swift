import Foundation
import Testing
@testable import Training

@Suite struct DPOTests {
    /// The fixture's 4 pairs: `sequence_logps.pairs` (fp32 values) and completion lengths.
    static func fixtureBatch() throws -> DPO.Batch<Float> {
        let f = try Fixture.preference()
        let pairs = try f["sequence_logps", "pairs"].array
        func column(_ key: String) throws -> [Float] { try pairs.map { Float(try $0[key].double) } }
        return DPO.Batch(
            policyChosen: try column("policy_chosen"), policyRejected: try column("policy_rejected"),
            referenceChosen: try column("ref_chosen"), referenceRejected: try column("ref_rejected"),
            chosenLengths: try pairs.map { try $0["len_chosen"].int },
            rejectedLengths: try pairs.map { try $0["len_rejected"].int })
    }

    @Test func sigmoidLossIsLn2WhenPolicyEqualsReference() throws {
        // Δ = 0 for every pair ⇒ −log σ(0) = ln 2 whatever the log-probs, and d/dπ_c = −β·σ(0)/B.
        let logps: [Double] = [-12.5, -3.25, -40]
        let batch = DPO.Batch(policyChosen: logps, policyRejected: logps.map { $0 - 7 },
                              referenceChosen: logps, referenceRejected: logps.map { $0 - 7 },
                              chosenLengths: [1, 1, 1], rejectedLengths: [1, 1, 1])
        for loss in [DPO.LossType.sigmoid, .conservative] {
            let r = try DPO.loss(batch, parameters: .init(beta: 0.3, loss: loss, labelSmoothing: 0.2))
            #expect(abs(r.loss - log(2)) < 1e-15)
            let expectedGrad = -0.3 * (loss == .sigmoid ? 0.5 : 0.5 * 0.8 - 0.5 * 0.2) / 3
            expectClose(r.gradPolicyChosen, [Double](repeating: expectedGrad, count: 3), tol: 1e-15, "\(loss) grad")
        }
    }

    @Test func handComputedTwoPairs() throws {
        // β = 0.5. Pair 0: π_c −10, π_r −12, ref −11/−11 ⇒ ρ_c = 1, ρ_r = −1, Δ = 2, u = βΔ = 1.
        //          Pair 1: π_c −5,  π_r −4,  ref −5/−5   ⇒ ρ_c = 0, ρ_r = 1,  Δ = −1, u = −0.5.
        let batch = DPO.Batch<Double>(policyChosen: [-10, -5], policyRejected: [-12, -4],
                                      referenceChosen: [-11, -5], referenceRejected: [-11, -5],
                                      chosenLengths: [2, 4], rejectedLengths: [1, 2])
        // sigmoid: log(1+e^−1) = 0.31326168751822286, log(1+e^0.5) = 0.9740769841801067, mean 0.6436693358491647.
        // d/dπ_c = β(σ(u) − 1)/2: 0.25·(0.7310585786 − 1) = −0.0672353553424988, 0.25·(0.3775406688 − 1) = −0.1556148328004637.
        let s = try DPO.loss(batch, parameters: .init(beta: 0.5))
        expectClose(s.perPair, [0.31326168751822286, 0.9740769841801067], tol: 1e-14, "sigmoid per pair")
        expectClose(s.loss, 0.6436693358491647, tol: 1e-14, "sigmoid loss")
        expectClose(s.gradPolicyChosen, [-0.06723535534249878, -0.15561483280046365], tol: 1e-14, "sigmoid dπ_c")
        expectClose(s.gradPolicyRejected, [0.06723535534249878, 0.15561483280046365], tol: 1e-14, "sigmoid dπ_r")
        // Metrics: β·ρ_c = 0.5, 0 → 0.25; β·ρ_r = −0.5, 0.5 → 0; margins 1, −0.5 → 0.25; accuracy 1/2;
        // logps −7.5 and −8; k1 drift ½(ρ_c+ρ_r) = 0, 0.5 → 0.25.
        #expect(s.metrics == DPO.Metrics(rewardsChosen: 0.25, rewardsRejected: 0, rewardsMargins: 0.25,
                                         rewardsAccuracies: 0.5, logpsChosen: -7.5, logpsRejected: -8, klEstimate: 0.25))
        // cDPO ε = 0.1: softplus(1) = 1 + softplus(−1) ⇒ 0.31326… + 0.1 = 0.41326168751822286;
        // 0.9·softplus(0.5) + 0.1·softplus(−0.5) = softplus(−0.5) + 0.45 = 0.9240769841801066; mean 0.6686693358491648.
        let c = try DPO.loss(batch, parameters: .init(beta: 0.5, loss: .conservative, labelSmoothing: 0.1))
        expectClose(c.perPair, [0.4132616875182229, 0.9240769841801066], tol: 1e-14, "cDPO per pair")
        expectClose(c.loss, 0.6686693358491648, tol: 1e-14, "cDPO loss")
        expectClose(c.gradPolicyChosen, [-0.04223535534249878, -0.13061483280046365], tol: 1e-14, "cDPO dπ_c")
        // hinge: relu(1 − 1) = 0 (kink: gradient 0 as torch), relu(1 + 0.5) = 1.5 ⇒ mean 0.75; dπ_c = −β/2 = −0.25.
        let h = try DPO.loss(batch, parameters: .init(beta: 0.5, loss: .hinge))
        expectClose(h.perPair, [0, 1.5], "hinge per pair")
        expectClose(h.gradPolicyChosen, [0, -0.25], tol: 1e-15, "hinge dπ_c")
        // IPO, lengths (2,1) and (4,2): h = 1/2 + 1/1 − 1/(2β) = 0.5 → 0.25; h = 0/4 − 1/2 − 1 = −1.5 → 2.25;
        // mean 1.25. dπ_c = 2h/|y_c|/2 = 0.25, −0.375; dπ_r = −2h/|y_r|/2 = −0.5, 0.75.
        let i = try DPO.loss(batch, parameters: .init(beta: 0.5, loss: .ipo))
        expectClose(i.loss, 1.25, tol: 1e-15, "IPO loss")
        expectClose(i.gradPolicyChosen, [0.25, -0.375], tol: 1e-15, "IPO dπ_c")
        expectClose(i.gradPolicyRejected, [-0.5, 0.75], tol: 1e-15, "IPO dπ_r")
    }

    @Test func agreesWithFixture() throws {
        let f = try Fixture.preference()
        let dpo = try f["dpo"]
        let beta = try dpo["beta"].double
        let batch = try Self.fixtureBatch()
        let cases: [(DPO.LossType, String, String)] = [
            (.sigmoid, "loss_sigmoid", "sigmoid"), (.conservative, "loss_cdpo_eps0.1", "cdpo"),
            (.ipo, "loss_ipo", "ipo"), (.hinge, "loss_hinge", "hinge"),
        ]
        for (type, lossKey, perPairKey) in cases {
            let r = try DPO.loss(batch, parameters: .init(beta: beta, loss: type, labelSmoothing: 0.1))
            expectClose(r.loss, try dpo[lossKey].double, "dpo \(lossKey)")
            expectClose(r.perPair, try dpo["per_pair", perPairKey].doubles, "dpo per_pair \(perPairKey)")
            let m = r.metrics
            expectClose(m.rewardsChosen, try dpo["rewards/chosen"].double, "rewards/chosen")
            expectClose(m.rewardsRejected, try dpo["rewards/rejected"].double, "rewards/rejected")
            expectClose(m.rewardsMargins, try dpo["rewards/margins"].double, "rewards/margins")
            expectClose(m.rewardsAccuracies, try dpo["rewards/accuracies"].double, "rewards/accuracies")
            expectClose(m.logpsChosen, Double(batch.policyChosen.map(Double.init).reduce(0, +)) / 4, "logps/chosen")
        }
    }

    @Test(arguments: DPO.LossType.allCases)
    func gradientsMatchFiniteDifferences(type: DPO.LossType) throws {
        let batch32 = try Self.fixtureBatch()
        let pc = widened(batch32.policyChosen), pr = widened(batch32.policyRejected)
        let parameters = DPO.Parameters(beta: 0.1, loss: type, labelSmoothing: 0.1)
        func lossAt(_ pc: [Double], _ pr: [Double]) throws -> Double {
            try DPO.loss(DPO.Batch(policyChosen: pc, policyRejected: pr,
                                   referenceChosen: widened(batch32.referenceChosen),
                                   referenceRejected: widened(batch32.referenceRejected),
                                   chosenLengths: batch32.chosenLengths, rejectedLengths: batch32.rejectedLengths),
                         parameters: parameters).loss
        }
        let r = try DPO.loss(DPO.Batch(policyChosen: pc, policyRejected: pr,
                                       referenceChosen: widened(batch32.referenceChosen),
                                       referenceRejected: widened(batch32.referenceRejected),
                                       chosenLengths: batch32.chosenLengths, rejectedLengths: batch32.rejectedLengths),
                             parameters: parameters)
        expectClose(r.gradPolicyChosen, try finiteDifferences(pc) { try lossAt($0, pr) }, tol: 1e-7, "\(type) dπ_c")
        expectClose(r.gradPolicyRejected, try finiteDifferences(pr) { try lossAt(pc, $0) }, tol: 1e-7, "\(type) dπ_r")
        #expect(r.gradPolicyChosen.contains { $0 != 0 })
    }

    @Test func tokenGradientsAreTheChainRuleThroughTheSum() throws {
        // Loss as a function of the per-token log-probs (fixture `*_per_token`, sequences = sums):
        // its finite differences must equal the sequence gradients spread over each sequence's tokens.
        let pairs = try Fixture.preference()["sequence_logps", "pairs"].array
        let chosenTokens = try pairs.map { try $0["policy_chosen_per_token"].doubles }
        let rejected = try pairs.map { try $0["policy_rejected"].double }
        let refC = try pairs.map { try $0["ref_chosen"].double }, refR = try pairs.map { try $0["ref_rejected"].double }
        let counts = chosenTokens.map(\.count)
        func lossAt(_ flat: [Double]) throws -> Double {
            var sums: [Double] = [], at = 0
            for n in counts {
                sums.append(flat[at..<(at + n)].reduce(0, +))
                at += n
            }
            return try DPO.loss(DPO.Batch(policyChosen: sums, policyRejected: rejected,
                                          referenceChosen: refC, referenceRejected: refR)).loss
        }
        let flat = chosenTokens.flatMap { $0 }
        let r = try DPO.loss(DPO.Batch(policyChosen: chosenTokens.map { $0.reduce(0, +) }, policyRejected: rejected,
                                       referenceChosen: refC, referenceRejected: refR))
        let perToken = try tokenGradients(sequenceGradients: r.gradPolicyChosen, tokenCounts: counts)
        expectClose(widened(perToken), try finiteDifferences(flat, lossAt), tol: 1e-7, "d loss/d token log-prob")
        #expect(throws: ObjectiveError.self) { try tokenGradients(sequenceGradients: [1.0], tokenCounts: [-1]) }
    }

    @Test func badInputNamesTheField() throws {
        let batch = DPO.Batch<Float>(policyChosen: [-1, -2], policyRejected: [-1], referenceChosen: [-1, -2],
                                     referenceRejected: [-1, -2], chosenLengths: [1, 1], rejectedLengths: [1, 1])
        #expect(throws: ObjectiveError.countMismatch(field: "policyRejected", expected: 2, actual: 1)) {
            try DPO.loss(batch)
        }
        #expect(throws: ObjectiveError.self) { try DPO.loss(batch, parameters: .init(beta: 0)) }
        var ipo = batch
        ipo.policyRejected = [-1, -2]
        ipo.rejectedLengths = [1, 0]
        #expect(throws: ObjectiveError.self) { try DPO.loss(ipo, parameters: .init(loss: .ipo)) }
    }
}
