import FeedbackStore
import Foundation
import Support
import Tokenizer
import Training

/// Scores the open review queue for the informative order (`QueueOrder.informative`): for
/// every open item, the reward model's margin (r(A) − r(B) for a pair, r − threshold for one
/// answer) and, for a pair, how far apart the reward head's inputs for its two answers are;
/// the policy's implicit reward when a reference is given; and the reviewers' votes so far;
/// combined by `InformationEvidence.scores` and stored in the item's `info_score`.
/// This is the only place a model touches the order: a reviewer's draw reads the stored
/// score from an index. Run after items are queued (the night, `rounds sample-answers`) and
/// whenever the reward model changes (`rounds queue score`).
public struct QueueInformation {
    /// The models that give the margins.
    public struct Models {
        public var reward: RewardModel
        public var encoder: PreferenceEncoder
        /// For single answers: the reward a correct answer is expected to clear (0: the
        /// reward model's own centre, as trained with centering).
        public var threshold: Double
        /// The policy's implicit reward β·(log π − log π_ref) of each sequence, when a
        /// reference policy is at hand.
        public var implicitReward: (([CompletionSequence]) throws -> [Double])?

        public init(reward: RewardModel, encoder: PreferenceEncoder, threshold: Double = 0,
                    implicitReward: (([CompletionSequence]) throws -> [Double])? = nil) {
            (self.reward, self.encoder, self.threshold, self.implicitReward) = (reward, encoder, threshold, implicitReward)
        }
    }

    public let store: FeedbackStore
    public init(store: FeedbackStore) { self.store = store }

    /// Scores every open ordinary item (reviewers' votes always; the model terms when
    /// `models` is given) and stores the scores in one transaction. Returns how many items
    /// were scored.
    @discardableResult
    public func refresh(models: Models?) throws -> Int {
        let items = try store.openItemsToScore()
        guard !items.isEmpty else { return 0 }
        var evidence = items.map(\.evidence)
        if var models {
            // Sequences: each item's first answer, then its second (pairs).
            var sequences: [CompletionSequence] = []
            var positions: [(first: Int, second: Int?)] = []
            for item in items {
                let prompt = item.prompt.messages.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) }
                func sequence(_ sample: Sample) throws -> Int {
                    let encoded = try models.encoder.encode(
                        LabelledCompletion(prompt: prompt, completion: [Tokenizer.ChatMessage(role: "assistant", content: sample.text)], desirable: true),
                        source: "queue item \(item.itemID), answer \(sample.id!)")
                    sequences.append(CompletionSequence(prompt: encoded.prompt, completion: encoded.completion))
                    return sequences.count - 1
                }
                positions.append((try sequence(item.first), try item.second.map { try sequence($0) }))
            }
            let progress = ProgressReporter("queue scores", total: sequences.count, unit: "answers")
            var rewards: [Double] = [], features: [[Float]] = []
            for start in stride(from: 0, to: sequences.count, by: 32) {
                let scored = try models.reward.scoreWithFeatures(Array(sequences[start..<min(start + 32, sequences.count)]), batchSize: 4)
                rewards += scored.rewards
                features += scored.features
                progress.update(rewards.count)
            }
            progress.finish()
            let implicit = try models.implicitReward?(sequences)
            for (k, position) in positions.enumerated() {
                let other = position.second.map { rewards[$0] } ?? models.threshold
                evidence[k].rewardMargin = rewards[position.first] - other
                if let second = position.second {
                    evidence[k].featureDistance = InformationEvidence.squaredDistance(features[position.first], features[second])
                }
                if let implicit {
                    evidence[k].implicitMargin = implicit[position.first] - (position.second.map { implicit[$0] } ?? 0)
                }
            }
        }
        var scores: [Int64: Double?] = [:]
        for (item, score) in zip(items, InformationEvidence.scores(evidence)) { scores[item.itemID] = score }
        return try store.setInformationScores(scores)
    }
}
