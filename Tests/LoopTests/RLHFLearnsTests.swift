// "It learns" (RLHF half): on the synthetic triage world, an SFT policy that answers in
// format but ignores the hidden rule (~50 % satisfied), a reward model trained on the scripted
// reviewer's comparisons and judgments of its samples, then PPO against that reward model,
// must raise the held-out rule-satisfaction rate by at least 20 points. Deterministic: fixed
// seeds, one thread.
import Foundation
import Generation
import Llama
import Loop
import RoundsSimulation
import Tensor
import Testing
import Training

@Suite(.serialized) struct RLHFLearnsTests: TriageLearning {
    let world = TriageWorld()

    /// The scripted reviewer compares two samples per prompt and judges every sample; 4/5 for
    /// training, the rest held out.
    func reviewedSamples(_ policy: LlamaModel) throws -> (train: RewardTrainer.Data, heldOut: RewardTrainer.Data) {
        let (pairs, judgments) = try review(policy, world.prompts(count: 160, seed: 5), seed: 3)
        let cut = pairs.count * 4 / 5, judgmentCut = judgments.count * 4 / 5
        return (.init(pairs: Array(pairs[..<cut]), judgments: Array(judgments[..<judgmentCut])),
                .init(pairs: Array(pairs[cut...]), judgments: Array(judgments[judgmentCut...])))
    }

    func trainRewardModel(_ reward: RewardModel, train: RewardTrainer.Data, heldOut: RewardTrainer.Data) throws -> RewardTrainer.Result {
        var rp = RewardTrainer.Parameters()
        rp.batchSize = 16
        rp.epochs = 25
        rp.learningRate = 3e-3
        rp.checkpointEvery = 0
        return try RewardTrainer.train(reward: reward, train: train, heldOut: heldOut, parameters: rp,
                                       checkpoint: nil, resume: false, runKey: "rm", progress: { _ in true })
    }

    /// The reward model learns the hidden rule from the scripted reviewer's comparisons and
    /// judgments of the SFT policy's samples; PPO against it must then raise the rule rate.
    /// With raw reward-model scores (spread ≈ ±9) the KL penalty was too cheap and PPO learned
    /// to write a red-flag symptom into benign answers ("chest-pain emergency-department …"):
    /// the reward model, trained only on in-format answers, read it as a red-flag prompt and
    /// scored ≈ 9.6 while the rule rate stayed at 0.5. Scores are now normalised on the
    /// reference policy's responses (`PPOTrainer.Parameters.normalizeScores`).
    @Test func ppoAgainstALearnedRewardModelRaisesTheRuleRate() throws {
        try Threads.with(1) {
            let policy = try sft()
            let heldOut = heldOutPrompts
            let before = try ruleRate(policy, heldOut), offBefore = try offFormatFraction(policy, heldOut)
            #expect(before > 0.3 && before < 0.7, "the SFT policy should satisfy the rule about half the time (got \(before))")

            let (train, heldOutData) = try reviewedSamples(policy)
            let reward = try RewardModel(model: copy(policy), head: ScalarHead(width: policy.config.hiddenSize, seed: 11))
            let rm = try trainRewardModel(reward, train: train, heldOut: heldOutData)
            let accuracy = try #require(rm.heldOutAfter?.pairwiseAccuracy), auc = try #require(rm.heldOutAfter?.rocAUC)
            #expect(accuracy >= 0.8, "reward model held-out pairwise accuracy \(accuracy)")
            #expect(auc >= 0.8, "reward model held-out ROC AUC \(auc)")

            var pp = PPOTrainer.Parameters()
            pp.iterations = 60
            pp.promptsPerIteration = 64
            pp.minibatchSize = 16
            pp.learningRate = 2e-3
            pp.maxNewTokens = 8
            pp.checkpointEvery = 0
            // The reward model scores whatever token an answer stops on, so an answer that never
            // ends could be rewarded; a fixed low score for those keeps PPO from exploiting it.
            pp.ppo.missingEOS = .replace(with: -10)
            let prompts = world.prompts(count: 256, seed: 9).map(\.ids)
            let result = try PPOTrainer.train(
                policy: policy, valueHead: ScalarHead(width: policy.config.hiddenSize, seed: 12), prompts: prompts,
                endTokens: [TriageWorld.endOfAnswer], score: { try reward.score($0, batchSize: 64) }, parameters: pp,
                checkpoint: nil, resume: false, runKey: "ppo", progress: { line in
                    if line.iteration % 10 == 0 { print(line) }
                    return true
                })
            let after = try ruleRate(policy, heldOut)
            let scale = try #require(result.normalization)
            print(String(format: "reward model + PPO: rule rate %.3f → %.3f; score scale mean %.2f std %.2f; %.2f s/iteration",
                         before, after, scale.mean, scale.standardDeviation, result.seconds / Double(result.iterations)))
            print("reward model held-out: \(rm.heldOutBefore?.description ?? "") → \(rm.heldOutAfter?.description ?? "")")
            #expect(after - before >= 0.2, "rule rate \(before) → \(after)")
            // No reward hacking: answers keep the format the reward model was trained on instead
            // of drifting to words it never saw there (the hacked run: every benign answer did).
            let offAfter = try offFormatFraction(policy, heldOut)
            print(String(format: "off-format answers %.3f → %.3f", offBefore, offAfter))
            #expect(offAfter <= offBefore + 0.05, "off-format answers \(offBefore) → \(offAfter)")
        }
    }
}

extension RLHFLearnsTests {
    /// PPO alone, scored by the scripted reviewer itself (1 when the rule is satisfied, else 0).
    @Test
    func ppoAgainstTheScriptedReviewerRaisesTheRuleRate() throws {
        try Threads.with(1) {
            let policy = try sft()
            let heldOut = heldOutPrompts
            let before = try ruleRate(policy, heldOut)
            let train = world.prompts(count: 256, seed: 9)
            let byIDs = Dictionary(train.map { ($0.ids, $0) }, uniquingKeysWith: { a, _ in a })
            var pp = PPOTrainer.Parameters()
            pp.iterations = 60
            pp.promptsPerIteration = 64
            pp.minibatchSize = 16
            pp.learningRate = 2e-3
            pp.maxNewTokens = 8
            pp.checkpointEvery = 0
            _ = try PPOTrainer.train(
                policy: policy, valueHead: ScalarHead(width: policy.config.hiddenSize, seed: 12), prompts: train.map(\.ids),
                endTokens: [TriageWorld.endOfAnswer],
                score: { seqs in seqs.map { world.satisfiesRule(byIDs[$0.prompt]!, answer: $0.completion) ? 1 : 0 } },
                parameters: pp, checkpoint: nil, resume: false, runKey: "ppo-scripted", progress: { print($0); return true })
            let after = try ruleRate(policy, heldOut)
            print("scripted: rule rate \(before) → \(after)")
            #expect(after - before >= 0.2, "rule rate \(before) → \(after)")
        }
    }
}

extension RLHFLearnsTests {
    /// A PPO run stopped after iteration 2 and resumed from its checkpoint ends with exactly
    /// the weights of an uninterrupted run (the reference is the starting policy both times).
    @Test func ppoResumesBitIdentically() throws {
        try Threads.with(1) {
            let prompts = world.prompts(count: 64, seed: 21)
            let byIDs = Dictionary(prompts.map { ($0.ids, $0) }, uniquingKeysWith: { a, _ in a })
            let score: PPOTrainer.Score = { seqs in seqs.map { world.satisfiesRule(byIDs[$0.prompt]!, answer: $0.completion) ? 1 : 0 } }
            var pp = PPOTrainer.Parameters()
            pp.iterations = 4
            pp.promptsPerIteration = 16
            pp.learningRate = 2e-3
            pp.maxNewTokens = 8
            pp.checkpointEvery = 0
            let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("ppo-resume-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: checkpoint) }
            func run(stopAt: Int?, resume: Bool) throws -> (LlamaModel, ScalarHead, Int) {
                let policy = try sft(), head = ScalarHead(width: policy.config.hiddenSize, seed: 12)
                let result = try PPOTrainer.train(policy: policy, valueHead: head, prompts: prompts.map(\.ids), endTokens: [TriageWorld.endOfAnswer],
                                         score: score, parameters: pp, checkpoint: checkpoint, resume: resume, runKey: "resume",
                                         progress: { $0.iteration != stopAt })
                return (policy, head, result.history.count)
            }
            let (straight, straightHead, _) = try run(stopAt: nil, resume: false)
            _ = try run(stopAt: 2, resume: false)
            let (resumed, resumedHead, ran) = try run(stopAt: nil, resume: true)
            #expect(ran == 2, "the resumed run should only do iterations 3 and 4")
            #expect(straight.parameters.array() == resumed.parameters.array())
            #expect(straightHead.weight == resumedHead.weight && straightHead.bias == resumedHead.bias)
        }
    }
}
