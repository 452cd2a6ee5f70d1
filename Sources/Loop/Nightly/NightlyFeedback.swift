import FeedbackStore
import Foundation
import Tokenizer
import Training

/// The clinicians' feedback one nightly run uses, as the trainers take it (chat messages):
/// the snapshot's training-split comparisons and judgments, and every live held-out rating
/// for the evaluation gates. Ties and both-bad comparisons state no preference and are left out.
struct NightlyFeedback {
    typealias Pair = Training.PreferencePair<[Tokenizer.ChatMessage]>
    typealias Judgment = Training.LabelledCompletion<[Tokenizer.ChatMessage]>

    var pairs: [Pair] = [], pairSources: [String] = []
    var judgments: [Judgment] = [], judgmentSources: [String] = []
    var heldOutPairs: [Pair] = [], heldOutPairSources: [String] = []
    var heldOutJudgments: [Judgment] = [], heldOutJudgmentSources: [String] = []

    /// Reads the rows named by `snapshot` (train split) and all live held-out rows.
    init(store: FeedbackStore, snapshot: FeedbackSnapshot) throws {
        let comparisonIDs = Set(snapshot.comparisonIDs), judgmentIDs = Set(snapshot.judgmentIDs)
        for c in try store.comparisonRecords(split: .train) where comparisonIDs.contains(c.id) {
            guard let pair = Self.pair(c) else { continue }
            pairs.append(pair)
            pairSources.append("comparison \(c.id)")
        }
        for j in try store.labelledCompletions(split: .train) where judgmentIDs.contains(j.judgmentID) {
            judgments.append(Self.judgment(j))
            judgmentSources.append("judgment \(j.judgmentID)")
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
