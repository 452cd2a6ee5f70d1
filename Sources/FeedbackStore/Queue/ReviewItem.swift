import Foundation

/// What a reviewer is shown for one assignment: the prompt and one answer to judge, or two
/// answers to compare in the (randomized, stored) order A = left, B = right. Policy
/// versions are deliberately left out so the reviewer is blind to them; the samples carry
/// `policyID` for the caller that needs it, never for display.
public struct ReviewItem: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        case judge(Sample)
        case compare(a: Sample, b: Sample)
    }

    public var assignmentID: Int64
    public var itemID: Int64
    public var prompt: Prompt
    public var content: Content
    /// When the reviewer got (or, after an undo, got back) this assignment.
    public var openedAt: Date

    public var kind: ItemKind {
        if case .judge = content { return .judgment }
        return .comparison
    }

    /// The answers in display order (A then B for pairs).
    public var samples: [Sample] {
        switch content {
        case .judge(let sample): return [sample]
        case .compare(let a, let b): return [a, b]
        }
    }
}

/// A reviewer's day so far: ratings that still count since the given time, and items left
/// (open assignments plus items with a free slot the reviewer has not seen).
public struct ReviewProgress: Hashable, Sendable {
    public var doneToday: Int
    public var remaining: Int
    public init(doneToday: Int, remaining: Int) { self.doneToday = doneToday; self.remaining = remaining }
}

/// What `undoLast` withdrew: the rating, the retraction row that now supersedes it, and the
/// assignment reopened for the same reviewer.
public struct UndoneRating: Hashable, Sendable {
    public var kind: ItemKind
    public var ratingID: Int64
    public var retractionID: Int64
    public var assignmentID: Int64
}
