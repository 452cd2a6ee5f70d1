import Foundation
import Llama

/// A reward model: the policy's backbone (base + LoRA adapter, or every weight) with a scalar
/// head on the final hidden state (after the final RMSNorm) of the LAST token of each
/// prompt + answer sequence (InstructGPT §3.5, arXiv 2203.02155; TRL RewardTrainer, whose
/// sequence-classification head reads the last non-padding token).
/// Legend: S sequences, N packed tokens, C hidden width.
public final class RewardModel {
    public let model: LlamaModel
    public let head: ScalarHead

    public init(model: LlamaModel, head: ScalarHead) throws {
        guard head.width == model.config.hiddenSize else {
            throw RewardModelError.headMismatch(head: head.width, hidden: model.config.hiddenSize)
        }
        self.model = model
        self.head = head
    }

    /// What one forward over S sequences keeps for the backward.
    public struct Scored {
        /// (S) the reward of each sequence.
        public var rewards: [Double]
        /// (N, C) packed final hidden states.
        public var hidden: [Float]
        /// (S) packed row of each sequence's last token.
        public var lastRows: [Int]
        /// (S) tokens per sequence.
        public var lengths: [Int]
    }

    /// Rewards of `sequences` (prompt + completion; only the sequence's last token is read).
    /// `training` enables LoRA dropout; `forBackward: false` scores without keeping what a
    /// backward would read (`LlamaModel.forward`).
    public func forward(_ sequences: [CompletionSequence], training: Bool, forBackward: Bool = true) throws -> Scored {
        // No log-probs are needed: every target position is off.
        // Sequences with the same prompt compute it once, the others their common system turn
        // (the last token is never shared).
        let batch = try TokenBatch(ids: sequences.map { $0.prompt + $0.completion },
                                   targetMask: sequences.map { [Bool](repeating: false, count: $0.count) })
            .sharingPrompts(sequences.map(\.prompt.count)).sharingCommonPrefixes()
        let out = try model.forward(batch, computeHidden: true, training: training, forBackward: forBackward)
        let rows = batch.lengths.enumerated().map { out.rows.row($0, $1 - 1) }
        let hidden = out.hidden ?? []
        return Scored(rewards: head.forward(hidden: hidden, rows: rows), hidden: hidden, lastRows: rows, lengths: batch.lengths)
    }

    /// Backward of the LAST `forward` from d loss / d reward (S): head gradients and, through
    /// d hidden, the backbone's (adapter or base) gradients are ADDED.
    public func backward(_ scored: Scored, dRewards: [Double]) throws {
        let dHidden = head.backward(dRewards: dRewards, hidden: scored.hidden, rows: scored.lastRows)
        let noLogprobGradient = scored.lengths.map { [Float](repeating: 0, count: $0) }
        try model.backward(dLogprobs: noLogprobGradient, dHidden: dHidden)
    }

    public func zeroGrad() {
        model.zeroGrad()
        head.gradients.zero()
    }

    /// Rewards of many sequences (no dropout), in length-sorted batches that keep each prompt's
    /// sequences together; input order kept.
    public func score(_ sequences: [CompletionSequence], batchSize: Int = 8) throws -> [Double] {
        try rewardsAndFeatures(sequences, batchSize: batchSize, features: false).rewards
    }

    /// Rewards and what the head read for each: the final hidden state (C) of the sequence's
    /// last token (the queue's informative order compares them).
    public func scoreWithFeatures(_ sequences: [CompletionSequence], batchSize: Int = 8) throws
        -> (rewards: [Double], features: [[Float]]) {
        try rewardsAndFeatures(sequences, batchSize: batchSize, features: true)
    }

    /// Rewards, with the head's inputs when `features` (else an empty list).
    private func rewardsAndFeatures(_ sequences: [CompletionSequence], batchSize: Int, features: Bool) throws
        -> (rewards: [Double], features: [[Float]]) {
        guard !sequences.isEmpty else { return ([], []) }
        var rewards = [Double](repeating: 0, count: sequences.count)
        var read = [[Float]](repeating: [], count: features ? sequences.count : 0)
        let width = head.width
        for indices in CompletionScoring.promptGroupedBatches(sequences, batchSize: batchSize) {
            let scored = try forward(indices.map { sequences[$0] }, training: false, forBackward: false)
            for (k, r) in scored.rewards.enumerated() {
                rewards[indices[k]] = r
                if features { read[indices[k]] = Array(scored.hidden[scored.lastRows[k] * width ..< (scored.lastRows[k] + 1) * width]) }
            }
        }
        return (rewards, read)
    }

    /// Held-out figures: pairwise accuracy (ties half) and correct/incorrect ROC AUC.
    public func evaluate(pairs: [PreferencePair<[Int32]>], judgments: [LabelledCompletion<[Int32]>],
                         batchSize: Int = 8) throws -> RewardEvaluation {
        // One call, so a pair's two answers (and judgments of the same prompts) share batches.
        let all = try score(pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.chosen) }
                            + pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.rejected) }
                            + judgments.map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) }, batchSize: batchSize)
        let k = pairs.count
        let chosen = Array(all[..<k]), rejected = Array(all[k..<(2 * k)]), judged = Array(all[(2 * k)...])
        return RewardEvaluation(
            pairwiseAccuracy: pairs.isEmpty ? nil : RewardMetrics.pairwiseAccuracy(chosen: chosen, rejected: rejected),
            rocAUC: RewardMetrics.rocAUC(scores: judged, positive: judgments.map(\.desirable)),
            meanReward: (chosen + rejected + judged).reduce(0, +) / Double(max(1, chosen.count + rejected.count + judged.count)))
    }
}

public struct RewardEvaluation: Codable, Sendable, Equatable, CustomStringConvertible {
    public var pairwiseAccuracy: Double?
    public var rocAUC: Double?
    public var meanReward: Double
    public var description: String {
        var parts: [String] = []
        if let a = pairwiseAccuracy { parts.append(String(format: "pair accuracy %.3f", a)) }
        if let a = rocAUC { parts.append(String(format: "ROC AUC %.3f", a)) }
        parts.append(String(format: "mean reward %.3f", meanReward))
        return parts.joined(separator: ", ")
    }
}

public enum RewardModelError: LocalizedError, Equatable {
    case headMismatch(head: Int, hidden: Int)
    case noData
    case notARewardModel(name: String)

    public var errorDescription: String? {
        switch self {
        case let .headMismatch(head, hidden):
            "the reward head has \(head) weights but the model's hidden size is \(hidden). ---> HINT: load the head saved with this policy's base model."
        case .noData:
            "no comparisons and no judgments to train the reward model on. ---> HINT: give comparisons, judgments or both."
        case let .notARewardModel(name):
            "'\(name)' is not a reward model (its manifest's method is not \"reward\"). ---> HINT: train one with `rounds reward train`, see `rounds policy list`."
        }
    }
}
