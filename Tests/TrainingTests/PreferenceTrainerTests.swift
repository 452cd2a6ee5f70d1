import Foundation
import Llama
import ModelFiles
import Testing
@testable import Training

/// The DPO and KTO trainers through the real model path, against PyTorch's numbers
/// (`preference/` fixtures) and against their own uninterrupted runs.
@Suite(.serialized) struct PreferenceTrainerTests {
    /// Reference sums from the base alone, then the policy (base + fixture adapter) attached.
    static func referenceThenPolicy(_ sequences: [CompletionSequence]) throws -> (LlamaModel, [Double]) {
        let model = try TinyPolicy.base()
        let reference = try CompletionScoring.logprobs(model: model, sequences: sequences, batchSize: 3)
        model.adapter = try TinyPolicy.fixtureAdapter(for: model)
        return (model, reference)
    }

    static func expectGradients(_ adapter: LoRAAdapter, match file: String) throws {
        let expected = try SafetensorsFile(url: TinyPolicy.preference.appendingPathComponent(file))
        let actual = TinyPolicy.gradients(adapter)
        #expect(expected.tensors.count == actual.count, "\(file) holds \(expected.tensors.count) tensors, the adapter \(actual.count)")
        for info in expected.tensors {
            let mine = try #require(actual[info.name], "no adapter tensor \(info.name)")
            let error = TinyPolicy.relativeError(mine, try expected.floats(info.name))
            #expect(error < 1e-5, "\(info.name): max |Δ| / max |g| = \(error)")
        }
    }

    @Test func dpoSigmoidGradientMatchesPyTorch() throws {
        let pairs = try TinyPolicy.pairs()
        let expected = try Fixture.preference()
        let sequences = pairs.flatMap { [CompletionSequence(prompt: $0.prompt, completion: $0.chosen),
                                         CompletionSequence(prompt: $0.prompt, completion: $0.rejected)] }
        let (model, reference) = try Self.referenceThenPolicy(sequences)
        let beta = try expected["dpo", "beta"].double
        model.zeroGrad()
        let result = try DPOTrainer.accumulate(
            model: model, pairs: pairs, reference: pairs.indices.map { (reference[2 * $0], reference[2 * $0 + 1]) },
            objective: DPO.Parameters(beta: beta, loss: .sigmoid))
        #expect(abs(result.loss - (try expected["dpo", "loss_sigmoid"].double)) < 1e-5)
        #expect(abs(result.metrics.rewardsMargins - (try expected["dpo", "rewards/margins"].double)) < 1e-5)
        try Self.expectGradients(model.adapter!, match: "grads_dpo_sigmoid.safetensors")
    }

    @Test func ktoGradientMatchesPyTorch() throws {
        let examples = try TinyPolicy.labelled()
        let expected = try Fixture.preference()
        let kl = KTOTrainer.klSequences(of: examples)
        let sequences = examples.map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) } + kl
        let (model, reference) = try Self.referenceThenPolicy(sequences)
        let objective = KTO.Parameters(beta: try expected["kto", "beta"].double,
                                       desirableWeight: try expected["kto", "desirable_weight"].double,
                                       undesirableWeight: try expected["kto", "undesirable_weight"].double)
        model.zeroGrad()
        let result = try KTOTrainer.accumulate(
            model: model, examples: examples, reference: Array(reference[..<examples.count]),
            klSequences: kl, klReference: Array(reference[examples.count...]), objective: objective)
        #expect(abs(result.z - (try expected["kto", "z"].double)) < 1e-4)
        #expect(abs(result.loss - (try expected["kto", "loss"].double)) < 1e-5)
        try Self.expectGradients(model.adapter!, match: "grads_kto.safetensors")
    }

    /// A tiny LoRA policy with a fresh adapter (equal to its base at step 0).
    static func freshPolicy() throws -> LlamaModel {
        let model = try TinyPolicy.base()
        model.adapter = TinyPolicy.freshAdapter(for: model)
        return model
    }

    static func dpoParameters(steps: Int, batchSize: Int = 4) -> DPOTrainer.Parameters {
        var p = DPOTrainer.Parameters()
        p.batchSize = batchSize
        p.epochs = 100
        p.maxSteps = steps
        p.learningRate = 1e-2
        p.warmupSteps = 0
        p.checkpointEvery = 0
        p.seed = 3
        return p
    }

    @Test func dpoLossIsLn2AtStepZeroAndTheMarginGrows() throws {
        let model = try Self.freshPolicy()
        var steps: [DPOTrainer.Progress] = []
        _ = try DPOTrainer.train(model: model, pairs: try TinyPolicy.pairs(), parameters: Self.dpoParameters(steps: 8),
                                 checkpoint: nil, resume: false, runKey: "test") { steps.append($0); return true }
        // Step 1's loss is measured before its update: policy = reference, Δ = 0, −log σ(0) = ln 2.
        #expect(abs(steps[0].loss - log(2.0)) < 1e-5, "step 1 loss \(steps[0].loss)")
        #expect(abs(steps[0].metrics.rewardsMargins) < 1e-5)
        #expect(steps.count == 8)
        #expect(steps.last!.metrics.rewardsMargins > 0.1, "margin after 8 steps: \(steps.last!.metrics.rewardsMargins)")
        #expect(steps.last!.loss < steps[0].loss)
    }

    @Test func dpoResumeIsBitIdentical() throws {
        let pairs = try TinyPolicy.pairs()
        var p = Self.dpoParameters(steps: 6, batchSize: 2)
        p.objective = DPO.Parameters(beta: 0.1, loss: .ipo)
        let whole = try Self.freshPolicy()
        _ = try DPOTrainer.train(model: whole, pairs: pairs, parameters: p, checkpoint: nil, resume: false, runKey: "k") { _ in true }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-resume-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("checkpoint.bin")
        let first = try Self.freshPolicy()
        let stopped = try DPOTrainer.train(model: first, pairs: pairs, parameters: p, checkpoint: checkpoint, resume: false, runKey: "k") {
            $0.step < 4
        }
        #expect(stopped.steps == 4)
        let second = try Self.freshPolicy()
        let resumed = try DPOTrainer.train(model: second, pairs: pairs, parameters: p, checkpoint: checkpoint, resume: true, runKey: "k") { _ in true }
        #expect(resumed.referenceFromCache, "the reference log-probs should come from the cache beside the checkpoint")
        #expect(resumed.steps == 6)
        #expect(second.adapter!.parameters.array() == whole.adapter!.parameters.array(), "resumed weights differ from the uninterrupted run")
        #expect(first.adapter!.parameters.array() != whole.adapter!.parameters.array())
    }

    @Test func ktoTrainsAndResumesBitIdentically() throws {
        let examples = try TinyPolicy.labelled()
        var p = KTOTrainer.Parameters()
        p.batchSize = 3
        p.epochs = 100
        p.maxSteps = 6
        p.learningRate = 1e-2
        p.warmupSteps = 0
        p.checkpointEvery = 0
        let whole = try Self.freshPolicy()
        var steps: [KTOTrainer.Progress] = []
        let result = try KTOTrainer.train(model: whole, examples: examples, parameters: p, checkpoint: nil, resume: false, runKey: "k") {
            steps.append($0)
            return true
        }
        // 3 desirable, 3 undesirable: the balanced weights are 1 and 1.
        #expect(result.objective.desirableWeight == 1 && result.objective.undesirableWeight == 1)
        // Policy = reference at step 1: every log-ratio is 0 and z = 0, so each loss is 1 − σ(0).
        #expect(abs(steps[0].loss - 0.5) < 1e-5)
        #expect(steps.last!.loss < steps[0].loss)
        #expect(steps.allSatisfy { $0.kl >= 0 })

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kto-resume-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("checkpoint.bin")
        _ = try KTOTrainer.train(model: try Self.freshPolicy(), examples: examples, parameters: p, checkpoint: checkpoint, resume: false, runKey: "k") { $0.step < 3 }
        let second = try Self.freshPolicy()
        let resumed = try KTOTrainer.train(model: second, examples: examples, parameters: p, checkpoint: checkpoint, resume: true, runKey: "k") { _ in true }
        #expect(resumed.referenceFromCache)
        #expect(second.adapter!.parameters.array() == whole.adapter!.parameters.array())
    }

    @Test func classWeightsBalanceAndCanBeOverridden() {
        var p = KTOTrainer.Parameters()
        let balanced = p.objective(desirable: 2, undesirable: 6)
        #expect(balanced.desirableWeight == 3 && balanced.undesirableWeight == 1)
        #expect(balanced.classWeightRatio(desirableCount: 2, undesirableCount: 6) == 1)
        p.desirableWeight = 1.5
        #expect(p.objective(desirable: 2, undesirable: 6).desirableWeight == 1.5)
    }
}
