import Foundation
import Training

typealias EncodedPair = Training.PreferencePair<[Int32]>
typealias EncodedJudgment = Training.LabelledCompletion<[Int32]>

/// One trainer's encoded examples with the feedback row id of each. A comparison whose chosen
/// and rejected answers encode to the same tokens (e.g. both cut to one prefix by `maxLength`)
/// carries no preference — its DPO gradient is zero and its reward-model loss is a constant —
/// so it is never trained on; its row id is kept in `skipped` for the manifest.
struct TrainingRows<Example> {
    var examples: [Example] = []
    var ids: [FeedbackRow] = []
    var skipped: [FeedbackRow] = []

    /// Every row, in order.
    init(examples: [Example], ids: [FeedbackRow]) {
        self.examples = examples
        self.ids = ids
    }

    /// The ids of the examples at `indices` (what a trainer reports it trained on).
    func ids(at indices: [Int]) -> [FeedbackRow] { indices.map { ids[$0] } }
}

extension TrainingRows where Example == EncodedPair {
    /// Encoded pairs, without those whose two completions are the same tokens.
    init(pairs: [EncodedPair], ids: [FeedbackRow]) {
        for (pair, id) in zip(pairs, ids) {
            if pair.chosen == pair.rejected {
                skipped.append(id)
            } else {
                examples.append(pair)
                self.ids.append(id)
            }
        }
    }
}

/// A trainer's optional time budget: after each step, whether another may start.
final class TimeBudget {
    let seconds: Double
    private let started = Date()
    /// Set when the budget stopped the trainer.
    private(set) var ranOut = false

    /// `seconds` = 0: no budget.
    init(seconds: Double) { self.seconds = seconds }

    func allowsAnotherStep() -> Bool {
        guard seconds > 0, Date().timeIntervalSince(started) >= seconds else { return true }
        ranOut = true
        return false
    }
}
