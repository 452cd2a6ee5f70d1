import FeedbackStore
import Foundation
import Tensor
import Tokenizer
import Training

/// The clinicians' feedback one nightly run uses, as the trainers take it (chat messages):
/// the snapshot's training-split comparisons and judgments, and every live held-out rating
/// for the evaluation gates. Ties and both-bad comparisons state no preference and are left out.
struct NightlyFeedback {
    typealias Pair = Training.PreferencePair<[Tokenizer.ChatMessage]>
    typealias Judgment = Training.LabelledCompletion<[Tokenizer.ChatMessage]>

    var pairs: [Pair] = [], pairSources: [String] = [], pairIDs: [Int64] = []
    var judgments: [Judgment] = [], judgmentSources: [String] = [], judgmentIDs: [Int64] = []
    var heldOutPairs: [Pair] = [], heldOutPairSources: [String] = []
    var heldOutJudgments: [Judgment] = [], heldOutJudgmentSources: [String] = []

    /// Reads the rows named by `snapshot` (train split) and all live held-out rows.
    init(store: FeedbackStore, snapshot: FeedbackSnapshot) throws {
        let comparisonIDs = Set(snapshot.comparisonIDs), judgmentIDs = Set(snapshot.judgmentIDs)
        for c in try store.comparisonRecords(split: .train) where comparisonIDs.contains(c.id) {
            guard let pair = Self.pair(c) else { continue }
            pairs.append(pair)
            pairSources.append("comparison \(c.id)")
            pairIDs.append(c.id)
        }
        for j in try store.labelledCompletions(split: .train) where judgmentIDs.contains(j.judgmentID) {
            judgments.append(Self.judgment(j))
            judgmentSources.append("judgment \(j.judgmentID)")
            self.judgmentIDs.append(j.judgmentID)
        }
        for c in try store.comparisonRecords(split: .heldout) {
            guard let pair = Self.pair(c) else { continue }
            heldOutPairs.append(pair)
            heldOutPairSources.append("comparison \(c.id)")
        }
        for j in try store.labelledCompletions(split: .heldout) {
            heldOutJudgments.append(Self.judgment(j))
            heldOutJudgmentSources.append("judgment \(j.judgmentID)")
        }
    }

    /// At most `limit` training pairs and judgments, chosen by a seeded shuffle (kept in
    /// their original order). A night's trainer sees `steps × batch` examples; encoding and
    /// reference passes over the rest would cost time and teach nothing.
    func limited(pairs maxPairs: Int, judgments maxJudgments: Int, seed: UInt64) -> NightlyFeedback {
        var f = self
        let p = Self.subset(count: pairs.count, limit: maxPairs, seed: seed)
        (f.pairs, f.pairSources, f.pairIDs) = (p.map { pairs[$0] }, p.map { pairSources[$0] }, p.map { pairIDs[$0] })
        let j = Self.subset(count: judgments.count, limit: maxJudgments, seed: seed ^ 0x10D6)
        (f.judgments, f.judgmentSources, f.judgmentIDs) = (j.map { judgments[$0] }, j.map { judgmentSources[$0] }, j.map { judgmentIDs[$0] })
        return f
    }

    /// The held-out ratings a night scores: at most `evaluation.maxHeldOut` comparisons and as
    /// many judgments, by the same seeded shuffle, so the gates and the reward model's held-out
    /// metrics always see one sample.
    func heldOutSample(_ config: NightlyConfig) -> NightlyFeedback {
        let limit = config.evaluation.maxHeldOut, seed = config.seed
        var f = self
        let p = Self.subset(count: heldOutPairs.count, limit: limit, seed: seed)
        (f.heldOutPairs, f.heldOutPairSources) = (p.map { heldOutPairs[$0] }, p.map { heldOutPairSources[$0] })
        let j = Self.subset(count: heldOutJudgments.count, limit: limit, seed: seed ^ 0x10D6)
        (f.heldOutJudgments, f.heldOutJudgmentSources) = (j.map { heldOutJudgments[$0] }, j.map { heldOutJudgmentSources[$0] })
        return f
    }

    static func subset(count: Int, limit: Int, seed: UInt64) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        var rng = SeededRandom(seed: seed)
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        return order.prefix(max(0, limit)).sorted()
    }

    static func messages(_ stored: [StoredMessage]) -> [Tokenizer.ChatMessage] {
        stored.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) }
    }

    static func answer(_ text: String) -> [Tokenizer.ChatMessage] {
        [Tokenizer.ChatMessage(role: "assistant", content: text)]
    }

    private static func pair(_ c: ComparisonRecord) -> Pair? {
        guard let preference = c.preferencePair else { return nil }
        return Pair(prompt: messages(c.prompt), chosen: answer(preference.chosen), rejected: answer(preference.rejected))
    }

    private static func judgment(_ j: StoredJudgment) -> Judgment {
        Judgment(prompt: messages(j.prompt), completion: answer(j.completion), desirable: j.label)
    }
}
