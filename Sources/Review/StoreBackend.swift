// The review session on the feedback database: one reviewer's queue in a FeedbackStore.

import FeedbackStore
import Foundation
import Support

public enum ReviewError: LocalizedError, Equatable {
    case unknownReviewer(String, database: String)

    public var errorDescription: String? {
        switch self {
        case .unknownReviewer(let name, let database):
            let name = TerminalText.neutralised(name, multiline: false)
            return "'\(name)' is not a registered reviewer in \(database). Register with: rounds reviewer add \(name)"
                + ", or review as a registered reviewer."
        }
    }
}

public final class StoreReviewBackend: ReviewBackend {
    public let store: FeedbackStore
    public let reviewer: Reviewer
    /// Start of the reviewer's day, for "done today" (local midnight by default).
    private let dayStart: () -> Date

    /// The queue of the registered reviewer `name`.
    public init(store: FeedbackStore, reviewer name: String, databasePath: String = "the database",
                dayStart: @escaping () -> Date = { Calendar.current.startOfDay(for: Date()) }) throws {
        guard let reviewer = try store.reviewer(named: name) else {
            throw ReviewError.unknownReviewer(name, database: databasePath)
        }
        try store.deferCheckpoints()
        self.store = store
        self.reviewer = reviewer
        self.dayStart = dayStart
    }

    public func nextCard() throws -> ReviewCard? {
        guard let item = try store.nextItem(for: reviewer) else { return nil }
        return Self.card(for: item)
    }

    /// The card for a queue item: pairs keep the store's randomized A/B order.
    public static func card(for item: ReviewItem) -> ReviewCard {
        let answers: ReviewCard.Answers
        switch item.content {
        case .judge(let sample): answers = .single(sample.text)
        case .compare(let a, let b): answers = .pair(a: a.text, b: b.text)
        }
        return ReviewCard(id: item.assignmentID, itemNumber: item.itemID, prompt: promptText(item.prompt), answers: answers)
    }

    /// What the physician reads as the question: the last user turn, preceded by earlier
    /// turns of a multi-turn conversation (system instructions are not shown).
    static func promptText(_ prompt: Prompt) -> String {
        let turns = prompt.messages.filter { $0.role != "system" }
        guard turns.count > 1 else { return prompt.text }
        return turns.map { "\($0.role == "user" ? "User" : "Assistant"): \($0.content)" }.joined(separator: "\n\n")
    }

    public func record(_ rating: Rating) throws {
        let comment = rating.annotation.comment.isEmpty ? nil : rating.annotation.comment
        switch rating.choice {
        case .correct, .incorrect:
            try store.recordJudgment(
                assignmentID: rating.cardID, reviewer: reviewer, verdict: rating.choice == .correct ? .correct : .incorrect,
                harm: rating.annotation.harm, tags: rating.annotation.tags.map(\.rawValue), comment: comment,
                details: JudgmentDetails(correction: rating.annotation.correction.isEmpty ? nil : rating.annotation.correction,
                                         identifiersReplaced: rating.annotation.correctionIdentifiers, axes: rating.annotation.axes),
                secondsSpent: rating.secondsSpent)
        case .preferA, .preferB, .tie, .bothBad:
            let outcome: Outcome = switch rating.choice {
            case .preferA: .a
            case .preferB: .b
            case .tie: .tie
            default: .bothBad
            }
            try store.recordComparison(
                assignmentID: rating.cardID, reviewer: reviewer, outcome: outcome, comment: comment,
                secondsSpent: rating.secondsSpent)
        }
        rated.insert(rating.cardID)
    }

    public func skip(cardID: Int64) throws { try store.skip(assignmentID: cardID, reviewer: reviewer) }

    /// Assignments this session rated: undo withdraws only these, so a second session of
    /// the same reviewer (another terminal) never takes back the first one's ratings.
    private var rated: Set<Int64> = []

    public func undoLast() throws -> Bool {
        guard let undone = try store.undoLast(reviewer: reviewer, among: rated) else { return false }
        rated.remove(undone.assignmentID)
        return true
    }

    public func progress() throws -> ReviewProgress { try store.progress(reviewer: reviewer, since: dayStart()) }

    public func release(cardID: Int64) throws { try store.release(assignmentID: cardID, reviewer: reviewer) }

    /// Idle moments since the last checkpoint of the WAL.
    private var uncheckpointed = 0
    /// Checkpoint every this many idle moments (at most one rating each, a handful of
    /// pages, so the WAL stays a few MB however many reviewers work at once).
    public static let checkpointEvery = 25

    /// The session's store defers checkpoints (see `FeedbackStore.deferCheckpoints`);
    /// they run here, after a card is drawn, every `checkpointEvery` times.
    public func idle() throws {
        uncheckpointed += 1
        guard uncheckpointed >= Self.checkpointEvery else { return }
        try store.checkpoint()
        uncheckpointed = 0
    }
}
