// The values the review tool shows and records; harm levels and progress are the store's.

import FeedbackStore

/// One thing to rate: a single answer (correct / incorrect) or two answers side by side
/// (A / B / tie / both bad). For pairs the store has already randomized which sample is
/// shown as A, so position cannot bias the physician; the session speaks only of A and B.
public struct ReviewCard: Equatable, Sendable {
    public enum Answers: Equatable, Sendable {
        case single(String)
        case pair(a: String, b: String)
    }
    /// The store's identifier of this reviewer's assignment of the item.
    public var id: Int64
    /// The queue item's number, shown in the title bar.
    public var itemNumber: Int64
    public let prompt: String
    public let answers: Answers
    /// The body wrapped for the latest width asked for (not part of the card's value).
    private let layouts = LayoutMemo()

    public init(id: Int64, itemNumber: Int64? = nil, prompt: String, answers: Answers) {
        self.id = id
        self.itemNumber = itemNumber ?? id
        self.prompt = prompt
        self.answers = answers
    }

    public var isPair: Bool { if case .pair = answers { return true } else { return false } }

    /// The prompt and answers wrapped for `width` columns; wrapped once per width.
    public func layout(width: Int) -> BodyLayout { layouts.layout(for: self, width: width) }

    public static func == (a: ReviewCard, b: ReviewCard) -> Bool {
        a.id == b.id && a.itemNumber == b.itemNumber && a.prompt == b.prompt && a.answers == b.answers
    }
}

/// What the physician decided about a card. Raw values match the store's spelling.
public enum ReviewChoice: String, CaseIterable, Sendable {
    case correct, incorrect                              // single answers
    case preferA = "a", preferB = "b", tie, bothBad = "both_bad"  // pairs, sides as displayed

    /// How the choice reads on screen.
    public var label: String {
        switch self {
        case .correct, .incorrect, .tie: return rawValue
        case .preferA: return "A is better"
        case .preferB: return "B is better"
        case .bothBad: return "both bad"
        }
    }
}

/// Category tags a physician may attach to a rating (the small menu under `g`).
public enum ReviewTag: String, CaseIterable, Sendable {
    case factualError = "factual error"
    case unsafeAdvice = "unsafe advice"
    case missingRedFlag = "missing red flag"
    case poorEmpathy = "poor empathy"
    case format = "format"
    case outdated = "outdated guidance"
}

/// Optional details that go with the next rating.
public struct Annotation: Equatable, Sendable {
    public var harm: HarmLevel?
    public var tags: [ReviewTag]  // in menu order
    public var comment: String
    /// Rubric axis id → value (harm extent is `harm`, see `RubricAxes.swift`).
    public var axes: [String: String] = [:]
    /// The answer as the reviewer rewrote it, scrubbed ("" = no correction), and how many
    /// identifiers the scrubber replaced in it.
    public var correction = ""
    public var correctionIdentifiers = 0

    public init(harm: HarmLevel? = nil, tags: [ReviewTag] = [], comment: String = "") {
        self.harm = harm
        self.tags = tags
        self.comment = comment
    }

    public var isEmpty: Bool { harm == nil && tags.isEmpty && comment.isEmpty && axes.isEmpty && correction.isEmpty }
}

/// A committed rating as the session hands it to the store.
public struct Rating: Equatable, Sendable {
    public var cardID: Int64
    public var choice: ReviewChoice
    public var annotation: Annotation
    /// Seconds from the card being displayed to the rating key.
    public var secondsSpent: Double

    public init(cardID: Int64, choice: ReviewChoice, annotation: Annotation = Annotation(), secondsSpent: Double) {
        self.cardID = cardID
        self.choice = choice
        self.annotation = annotation
        self.secondsSpent = secondsSpent
    }
}

/// What the review session needs from the feedback store, for one reviewer. Every call
/// is its own transaction: a rating is durable when `record` returns.
public protocol ReviewBackend: AnyObject {
    /// The next card, or nil when the queue is empty for this reviewer.
    func nextCard() throws -> ReviewCard?
    func record(_ rating: Rating) throws
    func skip(cardID: Int64) throws
    /// Withdraws the most recent rating (its card comes back next); false when there is none.
    func undoLast() throws -> Bool
    func progress() throws -> ReviewProgress
    /// Gives the card back unrated (the session is ending), so another reviewer can have
    /// its slot now rather than when the claim lapses.
    func release(cardID: Int64) throws
    /// Upkeep while the reviewer reads (the card is on screen): nothing waits for it.
    func idle() throws
}
