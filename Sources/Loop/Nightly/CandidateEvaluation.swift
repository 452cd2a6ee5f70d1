import FeedbackStore
import Foundation
import Generation
import Llama
import Support
import Tokenizer
import Training

/// How a candidate policy compares with its parent on held-out data only, item by item: the
/// evidence the promotion gates read (`GateReport` turns each list into n, an estimate and a
/// 95% interval). Stored in the candidate's gate report; its means go into the manifest.
public struct CandidateEvaluation: Codable, Equatable, Sendable {
    /// Per held-out comparison (one per pair of answers): the implicit-reward margin
    /// (log π/π_parent)(chosen) − (log π/π_parent)(rejected); > 0 agrees with the clinicians
    /// (DPO paper §5 "reward accuracy"), 0 counts half.
    public var pairMargins: [Double] = []
    /// Per held-out judgment (one per answer): log π/π_parent, sign flipped for an incorrect
    /// answer, so > 0 agrees with the clinicians.
    public var judgmentMargins: [Double] = []
    /// Per fresh held-out prompt: reward-model score of the candidate's answer minus the parent's.
    public var rewardGains: [Double] = []
    /// Per fresh held-out prompt: the reward model's probability that the candidate's answer is
    /// preferred, σ(gain) (Bradley–Terry, the model the reward model is trained under): 0–1 on
    /// every night's reward model, whatever scale its scores took.
    public var rewardPreferences: [Double] { rewardGains.map(Stable.sigmoid) }
    /// Per fresh held-out prompt: the reward-model scores themselves (means for the manifest).
    public var rewardCandidate: [Double] = [], rewardParent: [Double] = []
    /// Per fresh held-out prompt: Σ_t KL(π(·|y_<t) ‖ π_parent(·|y_<t)) over the candidate's own
    /// answer, each token's divergence exact over the vocabulary (`CompletionScoring.divergences`).
    /// Never negative; the log-ratio log π(y) − log π_parent(y) (k1) it replaced came out below
    /// zero on answers sampled at temperature 0.7 with top-p, which are not draws from π.
    public var kl: [Double] = []
    /// How `kl` was computed (`exactKL`). Nil in reports written before the field existed:
    /// their `kl` is the log-ratio (k1), which can be negative.
    public var klEstimator: String?
    /// The estimator `CandidateEvaluator.freshAnswers` uses.
    public static let exactKL = "per answer, the sum over its tokens of KL(candidate ‖ parent), exact over the vocabulary"
    /// Per SFT validation example: summed NLL of candidate minus parent (nats), and its tokens;
    /// their ratio of sums is the per-token loss increase.
    public var validationLossIncrease: [Double] = [], validationTokens: [Double] = []
    /// Mean NLL per token of the validation examples, candidate and parent.
    public var validationLossCandidate: Double?, validationLossParent: Double?

    public init() {}

    /// The figures as manifest metrics (names prefixed `eval_`).
    public var metrics: [String: Double] {
        func mean(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }
        var m: [String: Double] = ["eval_heldout_pairs": Double(pairMargins.count), "eval_heldout_judgments": Double(judgmentMargins.count),
                                   "eval_fresh_answers": Double(kl.count), "eval_validation_examples": Double(validationTokens.count)]
        m["eval_pair_accuracy"] = CandidateEvaluator.accuracy(pairMargins)
        m["eval_judgment_accuracy"] = CandidateEvaluator.accuracy(judgmentMargins)
        m["eval_reward_candidate"] = mean(rewardCandidate)
        m["eval_reward_parent"] = mean(rewardParent)
        m["eval_reward_preference"] = mean(rewardPreferences)
        m["eval_validation_loss_candidate"] = validationLossCandidate
        m["eval_validation_loss_parent"] = validationLossParent
        m["eval_kl"] = mean(kl)
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
        // A pair whose two answers encode to the same tokens has margin 0 whatever the policy: no evidence.
        let pairs = try encoder.encode(pairs: feedback.heldOutPairs, sources: feedback.heldOutPairSources).filter { $0.chosen != $0.rejected }
        if !pairs.isEmpty {
            let r = try logRatios(pairs.flatMap { [CompletionSequence(prompt: $0.prompt, completion: $0.chosen),
                                                   CompletionSequence(prompt: $0.prompt, completion: $0.rejected)] })
            e.pairMargins = pairs.indices.map { r[2 * $0] - r[2 * $0 + 1] }
        }
        let judgments = try encoder.encode(examples: feedback.heldOutJudgments, sources: feedback.heldOutJudgmentSources)
        if !judgments.isEmpty {
            let r = try logRatios(judgments.map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) })
            e.judgmentMargins = zip(judgments, r).map { $0.desirable ? $1 : -$1 }
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
        if let reward {
            // One call, so each prompt is computed once for both policies' answers.
            let scores = try reward.score(mine + theirs, batchSize: 8)
            e.rewardCandidate = Array(scores[..<mine.count])
            e.rewardParent = Array(scores[mine.count...])
            e.rewardGains = zip(e.rewardCandidate, e.rewardParent).map { $0 - $1 }
        }
        e.kl = try CompletionScoring.divergences(model: candidate.model, reference: parent.model, sequences: mine, batchSize: 4)
        e.klEstimator = CandidateEvaluation.exactKL
    }

    /// Forgetting: loss on the SFT validation examples, candidate and parent, per example.
    func validationLoss(file: URL, into e: inout CandidateEvaluation) throws {
        guard FileManager.default.fileExists(atPath: file.path), config.evaluation.validationExamples > 0 else {
            log("evaluation: no SFT validation file at \(file.path) (evaluation.validationFile); the forgetting gate has no evidence")
            return
        }
        var dataset = try SFTDataset.load(file, tokenizer: candidate.tokenizer, template: template,
                                          maxLength: config.maxLength, overLength: .truncate)
        dataset.examples = Array(dataset.examples.prefix(config.evaluation.validationExamples))
        let mine = try SFTTrainer.exampleLosses(model: candidate.model, dataset: dataset, batchSize: 4).filter { $0.tokens > 0 }
        let theirs = try SFTTrainer.exampleLosses(model: parent.model, dataset: dataset, batchSize: 4).filter { $0.tokens > 0 }
        e.validationLossIncrease = zip(mine, theirs).map { $0.nll - $1.nll }
        e.validationTokens = mine.map { Double($0.tokens) }
        let tokens = e.validationTokens.reduce(0, +)
        if tokens > 0 {
            e.validationLossCandidate = mine.reduce(0) { $0 + $1.nll } / tokens
            e.validationLossParent = theirs.reduce(0) { $0 + $1.nll } / tokens
        }
    }
}
