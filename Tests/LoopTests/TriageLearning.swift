// What every "it learns" test on the synthetic triage world shares: the SFT'd tiny policy
// they all start from, sampling, the held-out rule-satisfaction rate, and the scripted
// reviewer's comparisons and judgments of sampled answers. Deterministic: fixed seeds;
// callers set one thread.
import Foundation
import Generation
import Llama
import Loop
import RoundsSimulation
import Tensor
import Training

/// A test suite on the triage world; the helpers below come with it.
protocol TriageLearning {
    var world: TriageWorld { get }
}

extension TriageLearning {
    /// The prompts every method's learning is measured on (never trained on).
    var heldOutPrompts: [TriageWorld.Prompt] { world.prompts(count: 200, seed: 777) }

    /// Samples `samples` answers per prompt (temperature 1, at most 8 tokens), prompt-major;
    /// an answer that ended keeps its end token.
    func answers(_ model: LlamaModel, _ prompts: [TriageWorld.Prompt], samples: Int = 1, seed: UInt64) throws -> [[Int32]] {
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry, maxBatch: 64)
        let params = SamplingParameters(temperature: 1, maxNewTokens: 8, seed: seed)
        return try generator.generate(prompts: prompts.map(\.ids), samplesPerPrompt: samples, parameters: params,
                                      endTokens: [TriageWorld.endOfAnswer]).map(\.tokenIDs)
    }

    /// The fraction of `prompts` whose sampled answer satisfies the hidden rule.
    func ruleRate(_ model: LlamaModel, _ prompts: [TriageWorld.Prompt]) throws -> Double {
        let a = try answers(model, prompts, seed: 99)
        return Double(zip(prompts, a).filter { world.satisfiesRule($0, answer: $1) }.count) / Double(prompts.count)
    }

    /// The fraction of `prompts` whose sampled answer uses a word outside the answer format
    /// (a disposition, advice words, the end token): a policy that games its reward or
    /// degenerates writes symptoms, markers or padding into its answers.
    func offFormatFraction(_ model: LlamaModel, _ prompts: [TriageWorld.Prompt]) throws -> Double {
        let format = Set([TriageWorld.emergency, TriageWorld.generalPractice, TriageWorld.selfCare, TriageWorld.endOfAnswer] + world.advice)
        let a = try answers(model, prompts, seed: 99)
        return Double(a.filter { !$0.allSatisfy(format.contains) }.count) / Double(prompts.count)
    }

    /// The starting policy of every method: SFT on answers whose dispositions ignore the
    /// prompt, so it answers in format and satisfies the rule about half the time.
    func sft() throws -> LlamaModel {
        let model = world.initialModel(seed: 1)
        let examples = world.sftExamples(count: 256, seed: 1).enumerated().map { i, e in
            let ids = e.prompt + e.answer
            return SFTDataset.Example(ids: ids, targetMask: (0..<ids.count).map { $0 + 1 >= e.prompt.count && $0 + 1 < ids.count },
                                      source: "sft:\(i)")
        }
        var p = SFTTrainer.Parameters()
        p.batchSize = 16
        p.epochs = 4
        p.learningRate = 3e-3
        p.warmupSteps = 5
        p.checkpointEvery = 0
        p.evalEvery = 0
        _ = try SFTTrainer.train(model: model, train: SFTDataset(examples: examples, report: .init(file: "triage")), validation: nil,
                                 parameters: p, checkpoint: nil, resume: false, runKey: "sft", progress: { _ in true })
        return model
    }

    func copy(_ model: LlamaModel) -> LlamaModel {
        let out = LlamaModel(config: model.config)
        out.parameters.pointer.update(from: model.parameters.pointer, count: model.parameters.count)
        return out
    }

    /// The scripted reviewer's verdicts on `samples` answers per prompt from `policy`, read
    /// as text the way a reviewer reads them: for each prompt the comparison of its first two
    /// answers (a pair when one is preferred; ties and both-bad give none) and a judgment of
    /// every answer.
    func review(_ policy: LlamaModel, _ prompts: [TriageWorld.Prompt], samples: Int = 2, seed: UInt64) throws
        -> (pairs: [PreferencePair<[Int32]>], judgments: [LabelledCompletion<[Int32]>]) {
        precondition(samples >= 2, "a comparison needs two answers per prompt")
        let sampled = try answers(policy, prompts, samples: samples, seed: seed)
        let reviewer = world.reviewer
        var pairs: [PreferencePair<[Int32]>] = [], judgments: [LabelledCompletion<[Int32]>] = []
        for (i, prompt) in prompts.enumerated() {
            let mine = sampled[(samples * i)..<(samples * (i + 1))]
            let a = mine[mine.startIndex], b = mine[mine.startIndex + 1]
            let text = world.text(prompt.ids)
            switch reviewer.compare(prompt: text, redFlag: prompt.redFlag, a: world.text(a), b: world.text(b)) {
            case .a: pairs.append(PreferencePair(prompt: prompt.ids, chosen: a, rejected: b))
            case .b: pairs.append(PreferencePair(prompt: prompt.ids, chosen: b, rejected: a))
            case .tie, .bothBad: break
            }
            for answer in mine {
                let ok = reviewer.judge(prompt: text, redFlag: prompt.redFlag, answer: world.text(answer))
                judgments.append(LabelledCompletion(prompt: prompt.ids, completion: answer, desirable: ok))
            }
        }
        return (pairs, judgments)
    }
}
