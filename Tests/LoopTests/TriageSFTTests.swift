import Foundation
import Generation
import Llama
@testable import RoundsSimulation
import Testing
@testable import Loop
@testable import Training

/// SFT on the synthetic triage world: the trainer learns the answer format, lowers the
/// held-out loss, and a run stopped part-way and resumed ends with the same weights.
@Suite(.serialized) struct TriageSFTTests {
    let world = TriageWorld()

    func dataset(_ count: Int, seed: UInt64) -> SFTDataset {
        let examples = world.sftExamples(count: count, seed: seed).enumerated().map { i, e in
            let ids = e.prompt + e.answer
            // Position t predicts token t+1; train on every answer token.
            let mask = ids.indices.map { t in t + 1 < ids.count && t + 1 >= e.prompt.count }
            return SFTDataset.Example(ids: ids, targetMask: mask, source: "world:\(i)")
        }
        return SFTDataset(examples: examples, report: .init(file: "triage-world"))
    }

    func parameters(steps: Int) -> SFTTrainer.Parameters {
        var p = SFTTrainer.Parameters()
        p.batchSize = 16
        p.epochs = 100
        p.maxSteps = steps
        p.learningRate = 3e-3
        p.warmupSteps = 5
        p.evalEvery = 0
        p.checkpointEvery = 0
        p.seed = 11
        return p
    }

    @Test func learnsTheAnswerFormatAndLowersHeldOutLoss() throws {
        let model = world.initialModel(seed: 1)
        model.trainsBase = true
        let result = try SFTTrainer.train(
            model: model, train: dataset(400, seed: 1), validation: dataset(64, seed: 99), parameters: parameters(steps: 150),
            checkpoint: nil, resume: false, runKey: "t") { _ in true }
        let before = try #require(result.validationLossBefore), after = try #require(result.validationLossAfter)
        // Uniform over the vocabulary is ln(V) ≈ 3.4; the answers' own entropy is about 1.3.
        #expect(before > 3)
        #expect(after < 0.6 * before)

        // Sampled answers open with a disposition and end with the end token.
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry)
        let prompts = world.prompts(count: 40, seed: 1234)
        let samples = try generator.generate(
            prompts: prompts.map(\.ids), samplesPerPrompt: 1,
            parameters: SamplingParameters(temperature: 1, maxNewTokens: 10, stopTokenIDs: [TriageWorld.endOfAnswer], seed: 5),
            endTokens: [TriageWorld.endOfAnswer])
        let wellFormed = samples.filter { s in
            [TriageWorld.emergency, TriageWorld.generalPractice, TriageWorld.selfCare].contains(s.tokenIDs.first ?? -1)
                && s.tokenIDs.last == TriageWorld.endOfAnswer
        }
        #expect(wellFormed.count >= 36, "\(samples.map { world.text($0.tokenIDs) })")
    }

    @Test func stoppedAndResumedRunEndsWithIdenticalWeights() throws {
        let data = dataset(64, seed: 3)
        var p = parameters(steps: 12)
        p.checkpointEvery = 4
        p.batchSize = 8
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-resume-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("checkpoint.bin")

        // Uninterrupted run.
        let straight = world.initialModel(seed: 2)
        straight.adapter = LoRAAdapter(model: straight.config, configuration: .init(rank: 4, alpha: 8, seed: 3))
        _ = try SFTTrainer.train(model: straight, train: data, validation: nil, parameters: p,
                                 checkpoint: nil, resume: false, runKey: "k") { _ in true }

        // The same run stopped after step 6 (it saves a checkpoint), then resumed in a
        // fresh process-like state: new model, new adapter, new optimizer.
        let first = world.initialModel(seed: 2)
        first.adapter = LoRAAdapter(model: first.config, configuration: .init(rank: 4, alpha: 8, seed: 3))
        let partial = try SFTTrainer.train(model: first, train: data, validation: nil, parameters: p,
                                           checkpoint: checkpoint, resume: false, runKey: "k") { $0.step < 6 }
        #expect(partial.steps == 6)
        let resumed = world.initialModel(seed: 2)
        resumed.adapter = LoRAAdapter(model: resumed.config, configuration: .init(rank: 4, alpha: 8, seed: 99))
        let rest = try SFTTrainer.train(model: resumed, train: data, validation: nil, parameters: p,
                                        checkpoint: checkpoint, resume: true, runKey: "k") { _ in true }
        #expect(rest.steps == 12)
        #expect(resumed.adapter!.parameters.array() == straight.adapter!.parameters.array())

        // A checkpoint from other data or options is refused with a clear error.
        #expect(throws: Checkpoint.CheckpointError.self) {
            try SFTTrainer.train(model: resumed, train: data, validation: nil, parameters: p,
                                 checkpoint: checkpoint, resume: true, runKey: "other") { _ in true }
        }
    }
}
