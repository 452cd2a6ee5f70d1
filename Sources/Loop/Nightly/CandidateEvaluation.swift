import FeedbackStore
import Foundation
import Generation
import Llama
import Support
import Tokenizer
import Training

/// How a candidate policy compares with its parent on held-out data only: the figures the
/// promotion gates read (`NightlyGates`), stored in the candidate's manifest.
public struct CandidateEvaluation: Codable, Equatable, Sendable {
    /// Implicit-reward accuracy on held-out comparisons: the share where
    /// (log π/π_parent)(chosen) > (log π/π_parent)(rejected), ties half (DPO paper §5 "reward accuracy").
    public var pairAccuracy: Double?
    public var heldOutPairs = 0
    /// Implicit-reward accuracy on held-out judgments: log π/π_parent > 0 for a correct answer,
    /// < 0 for an incorrect one, 0 counts half.
    public var judgmentAccuracy: Double?
    public var heldOutJudgments = 0
    /// Reward-model score of fresh answers to held-out prompts (mean per answer).
    public var rewardCandidate: Double?
    public var rewardParent: Double?
    public var freshAnswers = 0
    /// Mean negative log-likelihood per token of the SFT validation examples.
    public var validationLossCandidate: Double?
    public var validationLossParent: Double?
    /// KL(candidate ‖ parent) per answer, Σ_t log π(y_t) − log π_parent(y_t) over the
    /// candidate's own fresh answers (the k1 estimator of Schulman 2020).
    public var kl: Double?

    public init() {}

    /// The figures as manifest metrics (names prefixed `eval_`).
    public var metrics: [String: Double] {
        var m: [String: Double] = ["eval_heldout_pairs": Double(heldOutPairs), "eval_heldout_judgments": Double(heldOutJudgments),
                                   "eval_fresh_answers": Double(freshAnswers)]
        m["eval_pair_accuracy"] = pairAccuracy
        m["eval_judgment_accuracy"] = judgmentAccuracy
        m["eval_reward_candidate"] = rewardCandidate
        m["eval_reward_parent"] = rewardParent
        m["eval_validation_loss_candidate"] = validationLossCandidate
        m["eval_validation_loss_parent"] = validationLossParent
        m["eval_kl"] = kl
        return m
    }
}

/// Computes a `CandidateEvaluation`. Both policies are loaded with their adapters merged
/// (scoring and sampling then run on plain weights).
struct CandidateEvaluator {
    let candidate: LoadedPolicy
    let parent: LoadedPolicy
    let template: ChatTemplate
    let config: NightlyConfig
    let log: (String) -> Void

    /// Sequence log-prob differences log π_candidate − log π_parent of `sequences`.
    func logRatios(_ sequences: [CompletionSequence]) throws -> [Double] {
        let batch = 4
        let c = try CompletionScoring.logprobs(model: candidate.model, sequences: sequences, batchSize: batch)
        let p = try CompletionScoring.logprobs(model: parent.model, sequences: sequences, batchSize: batch)
        return zip(c, p).map { $0 - $1 }
    }

    /// Share of `margins` above zero, zeros counting half (nil when empty).
    static func accuracy(_ margins: [Double]) -> Double? {
        guard !margins.isEmpty else { return nil }
        return margins.reduce(0.0) { $0 + ($1 > 0 ? 1 : $1 == 0 ? 0.5 : 0) } / Double(margins.count)
    }

    func encoder() -> PreferenceEncoder {
        PreferenceEncoder(tokenizer: candidate.tokenizer, template: template, maxLength: config.maxLength,
                          maxPromptLength: config.maxPromptLength)
    }

    /// Held-out comparisons and judgments scored by the implicit reward.
    func implicitRewards(_ feedback: NightlyFeedback, into e: inout CandidateEvaluation) throws {
        var encoder = self.encoder()
        let pairs = try encoder.encode(pairs: feedback.heldOutPairs, sources: feedback.heldOutPairSources)
        e.heldOutPairs = pairs.count
        if !pairs.isEmpty {
            let r = try logRatios(pairs.flatMap { [CompletionSequence(prompt: $0.prompt, completion: $0.chosen),
                                                   CompletionSequence(prompt: $0.prompt, completion: $0.rejected)] })
            e.pairAccuracy = Self.accuracy(pairs.indices.map { r[2 * $0] - r[2 * $0 + 1] })
        }
        let judgments = try encoder.encode(examples: feedback.heldOutJudgments, sources: feedback.heldOutJudgmentSources)
        e.heldOutJudgments = judgments.count
        if !judgments.isEmpty {
            let r = try logRatios(judgments.map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) })
            e.judgmentAccuracy = Self.accuracy(zip(judgments, r).map { $0.desirable ? $1 : -$1 })
        }
    }

    /// Reward-model scores of both policies' answers to the same held-out prompts, and the
    /// candidate's KL to its parent on its own answers. `answers`: (prompt, candidate answer,
    /// parent answer) texts.
    func freshAnswers(_ answers: [(prompt: [Tokenizer.ChatMessage], candidate: String, parent: String)],
                      reward: RewardModel?, into e: inout CandidateEvaluation) throws {
        guard !answers.isEmpty else { return }
        let encoder = self.encoder()
        func sequence(_ prompt: [Tokenizer.ChatMessage], _ text: String) throws -> CompletionSequence {
            let ids = try encoder.promptIDs(prompt)
            let completion = try encoder.completionIDs(prompt: prompt, completion: NightlyFeedback.answer(text), source: "fresh answer")
            return CompletionSequence(prompt: ids, completion: completion)
        }
        let mine = try answers.map { try sequence($0.prompt, $0.candidate) }
        let theirs = try answers.map { try sequence($0.prompt, $0.parent) }
        e.freshAnswers = answers.count
        if let reward {
            e.rewardCandidate = mean(try reward.score(mine, batchSize: 4))
            e.rewardParent = mean(try reward.score(theirs, batchSize: 4))
        }
        e.kl = mean(try logRatios(mine))
    }

    /// Forgetting: loss on the SFT validation examples, candidate and parent.
    func validationLoss(file: URL, into e: inout CandidateEvaluation) throws {
        guard FileManager.default.fileExists(atPath: file.path), config.evaluation.validationExamples > 0 else {
            log("evaluation: no SFT validation file at \(file.path); the forgetting gate is skipped")
            return
        }
        var dataset = try SFTDataset.load(file, tokenizer: candidate.tokenizer, template: template,
                                          maxLength: config.maxLength, overLength: .truncate)
        dataset.examples = Array(dataset.examples.prefix(config.evaluation.validationExamples))
        e.validationLossCandidate = try SFTTrainer.evaluate(model: candidate.model, dataset: dataset, batchSize: 4)
        e.validationLossParent = try SFTTrainer.evaluate(model: parent.model, dataset: dataset, batchSize: 4)
    }

    private func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
