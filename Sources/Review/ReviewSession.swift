// The review tool's state machine: keys in, store calls out, a state the view draws.
//
// Each rating key commits at once (one store transaction) before the next card is
// fetched, so quitting, Ctrl-C or a dropped connection can only lose the optional
// details typed for a card not yet rated. The session owns no terminal: the interactive
// loop and the scripted driver (`rounds review --batch`) feed it the same keys.
//
// Nothing is rated unseen: the drivers draw the state after every key (the scripted
// driver is taken to), and the session records which answers have had their last line
// on screen (`AnswersSeen`); a rating key before that is refused with a message saying
// what to scroll to.

import FeedbackStore
import Foundation
import Privacy

/// What the session is doing; the view draws each mode differently.
public enum ReviewMode: Equatable, Sendable {
    case rating
    case harmMenu
    case tagMenu
    case comment(LineEditor)
    case help(scroll: Int)
    /// Rating the single answer on the rubric; `axis` is the axis the digit keys set.
    case rubric(axis: Int)
    /// Rewriting the single answer (ReviewSessionCorrections.swift).
    case correction(CorrectionEditor)
}

/// Everything the view needs to draw one frame.
public struct ReviewState: Equatable, Sendable {
    public var reviewer: String
    public var card: ReviewCard?
    public var progress = ReviewProgress(doneToday: 0, remaining: 0)
    public var draft = Annotation()
    public var mode = ReviewMode.rating
    /// First body line shown (clamped by the view).
    public var scroll = 0
    /// One-line feedback after an action ("Saved: correct").
    public var message: String?
    /// Which answers have had their last line on screen.
    public var seen = AnswersSeen()
    public var size = TerminalSize(rows: 24, columns: 80)
    /// The axes `r` rates single answers on (from the guidelines).
    public var rubric = RubricAxis.medPaLM

    public init(reviewer: String) { self.reviewer = reviewer }
}

/// What happened on a key, for the driver (the scripted driver prints these).
public enum ReviewEvent: Equatable, Sendable {
    case rated(Rating)
    case skipped(cardID: Int64)
    case undone
    case quit
}

public final class ReviewSession {
    public internal(set) var state: ReviewState
    public let guidelines: Guidelines
    private let backend: ReviewBackend
    /// Monotonic seconds; injected so tests control time spent.
    private let clock: () -> Double
    private var shownAt: Double = 0
    /// Comments are scrubbed of identifiers when the editor closes, before they can be saved.
    let scrubber: Scrubber
    /// When set, `e` edits the answer in this editor (e.g. $EDITOR) instead of the built-in
    /// one: it gets the text and returns the edited text, or nil when the edit was abandoned.
    public var externalEditor: ((String) throws -> String?)?

    /// `rubric`: the axes `r` rates on (default: the guidelines' rubric, or Med-PaLM's).
    public init(backend: ReviewBackend, reviewer: String, guidelines: Guidelines,
                clock: @escaping () -> Double = monotonicSeconds, scrubber: Scrubber = .standard, rubric: [RubricAxis]? = nil) {
        self.backend = backend
        self.scrubber = scrubber
        self.guidelines = guidelines
        self.clock = clock
        self.state = ReviewState(reviewer: reviewer)
        self.state.rubric = rubric ?? guidelines.rubricAxesOrDefault
    }

    /// Fetches the first card and the progress figures.
    public func start() throws {
        try loadNext()
        noteVisible()
    }

    /// Upkeep the drivers run once the frame is drawn, while the reviewer reads.
    public func idle() throws { try backend.idle() }

    /// Gives the card on screen back to the queue unrated; the drivers call this on every
    /// way out they see (q, Ctrl-C, hang-up, end of input). A session that dies without it
    /// (SIGKILL, power loss) holds the card until its claim lapses.
    public func end() throws {
        guard let card = state.card else { return }
        try backend.release(cardID: card.id)
        state.card = nil
    }

    public func resize(_ size: TerminalSize) {
        state.size = size
        state.scroll = min(state.scroll, ReviewView.maxScroll(state))
        noteVisible()
    }

    /// Shows a one-line message (e.g. an error from the store) until the next key.
    public func report(_ message: String) {
        state.message = message
        noteVisible()
    }

    /// Says that `count` keys typed before the card on screen was drawn were thrown away
    /// (the driver discards them: they were meant for a card the reviewer had not seen).
    public func reportIgnoredKeys(_ count: Int) {
        guard count > 0 else { return }
        let note = count == 1 ? "1 key typed before this card was shown was ignored."
            : "\(count) keys typed before this card was shown were ignored."
        report(state.message.map { $0 + " " + note } ?? note)
    }

    /// Handles one key; store errors propagate with the state unchanged, so the same key
    /// can be pressed again.
    public func handle(_ key: Key) throws -> ReviewEvent? {
        if key == .interrupt { return .quit }
        defer { noteVisible() }
        switch state.mode {
        case .rating: return try handleRating(key)
        case .harmMenu: handleHarm(key)
        case .tagMenu: handleTags(key)
        case .comment(var editor):
            switch editor.handle(key) {
            case .editing: state.mode = .comment(editor)
            case .accepted(let text):
                acceptComment(text)
            case .cancelled: state.mode = .rating
            }
        case .rubric(let axis): handleRubric(key, axis: axis)
        case .correction(let editor): handleCorrection(key, editor)
        case .help(let scroll):
            if let next = scrolled(scroll, by: key, limit: ReviewView.maxHelpScroll(state, guidelines)) {
                state.mode = .help(scroll: next)
            } else if [.escape, .char("?"), .char("q"), .enter].contains(key) {
                state.mode = .rating
            }
        }
        return nil
    }

    /// The comment as it will be saved: identifiers replaced, and the reviewer told so (the
    /// details line shows the scrubbed text).
    private func acceptComment(_ text: String) {
        let result = scrubber.scrub(text.trimmingCharacters(in: .whitespaces))
        state.draft.comment = result.text
        state.mode = .rating
        if !result.spans.isEmpty {
            let kinds = Set(result.spans.map(\.kind)).sorted { $0.rawValue < $1.rawValue }.map(\.rawValue).joined(separator: ", ")
            state.message = "Comment scrubbed: \(result.spans.count) identifier\(result.spans.count == 1 ? "" : "s") (\(kinds)) replaced."
        }
    }

    private func handleRating(_ key: Key) throws -> ReviewEvent? {
        state.message = nil
        if let next = scrolled(state.scroll, by: key, limit: ReviewView.maxScroll(state)) {
            state.scroll = next
            return nil
        }
        switch key {
        case .char("q"), .endOfInput: return .quit
        case .char("?"): state.mode = .help(scroll: 0); return nil
        case .char("u"):
            guard try backend.undoLast() else {
                state.message = "Nothing to undo."
                return nil
            }
            try loadNext()
            state.message = "Undid the last rating; this card is back."
            return .undone
        default: break
        }
        if state.card == nil {
            // New samples may have been queued, or another reviewer skipped: look again.
            // A card found now has not been seen: show it, and rate nothing yet.
            try loadNext()
            state.message = state.card == nil ? "The queue is empty. Press q to quit." : "New items have arrived; here is the next one."
            return nil
        }
        guard let card = state.card else { return nil }
        switch key {
        case .char("h") where card.isPair, .char("g") where card.isPair, .char("r") where card.isPair, .char("e") where card.isPair:
            state.message = "Harm, tags, the rubric and corrections are for single answers; press m to comment on a pair."
        case .char("r"): state.mode = .rubric(axis: 0)
        case .char("e"): try openCorrection(card)
        case .char("h"): state.mode = .harmMenu
        case .char("g"): state.mode = .tagMenu
        case .char("m"): state.mode = .comment(LineEditor(text: state.draft.comment))
        case .char("s"):
            guard try holdsClaim({ try backend.skip(cardID: card.id) }) else { return nil }
            try loadNext()
            state.message = "Skipped."
            return .skipped(cardID: card.id)
        case .char(let scalar):
            guard let choice = Self.choice(for: scalar, pair: card.isPair) else {
                state.message = card.isPair
                    ? "Pairs: a (A better) · b (B better) · t (tie) · n (both bad); ? for help."
                    : "Single answers: c or 1 (correct) · x or 2 (incorrect); ? for help."
                return nil
            }
            if let unread = state.seen.refusal(state) {
                state.message = unread
                return nil
            }
            let rating = Rating(cardID: card.id, choice: choice, annotation: state.draft,
                                secondsSpent: max(0, clock() - shownAt))
            guard try holdsClaim({ try backend.record(rating) }) else { return nil }
            try loadNext()
            state.message = "Saved: \(choice.label)."
            return .rated(rating)
        default: break
        }
        return nil
    }

    /// Runs a store call on the card on screen. When the card's claim lapsed while the
    /// reviewer was away and another reviewer took the item, nothing was saved: the next
    /// card is shown with a message, and false is returned.
    private func holdsClaim(_ call: () throws -> Void) throws -> Bool {
        do {
            try call()
            return true
        } catch FeedbackStoreError.claimLapsed {
            try loadNext()
            state.message = "Not saved: while you were away this item went to another reviewer. Here is the next one."
            return false
        }
    }

    static func choice(for key: Unicode.Scalar, pair: Bool) -> ReviewChoice? {
        switch (key, pair) {
        case ("c", false), ("1", false): return .correct
        case ("x", false), ("2", false): return .incorrect
        case ("a", true): return .preferA
        case ("b", true): return .preferB
        case ("t", true): return .tie
        case ("n", true): return .bothBad
        default: return nil
        }
    }

    private func handleHarm(_ key: Key) {
        switch key {
        case .char("0"), .char("n"): state.draft.harm = HarmLevel.none
        case .char("1"): state.draft.harm = .mild
        case .char("2"): state.draft.harm = .moderate
        case .char("3"): state.draft.harm = .severe
        case .char("-"), .backspace: state.draft.harm = nil
        case .escape, .char("h"), .enter: break
        default: return  // stay in the menu
        }
        state.mode = .rating
    }

    private func handleTags(_ key: Key) {
        if case .char(let scalar) = key, let digit = Int(String(scalar)),
            (1...ReviewTag.allCases.count).contains(digit) {
            let tag = ReviewTag.allCases[digit - 1]
            if let i = state.draft.tags.firstIndex(of: tag) { state.draft.tags.remove(at: i) }
            else { state.draft.tags = ReviewTag.allCases.filter { $0 == tag || state.draft.tags.contains($0) } }
        } else if [.escape, .enter, .char("g")].contains(key) {
            state.mode = .rating
        }
    }

    /// The new scroll offset for a scrolling key, or nil when `key` does not scroll.
    private func scrolled(_ offset: Int, by key: Key, limit: Int) -> Int? {
        let page = max(1, ReviewView.bodyHeight(state) - 1)
        let target: Int
        switch key {
        case .up, .char("k"): target = offset - 1
        case .down, .char("j"): target = offset + 1
        case .pageUp: target = offset - page
        case .pageDown, .char(" "): target = offset + page
        case .home: target = 0
        case .end: target = limit
        default: return nil
        }
        return max(0, min(limit, target))
    }

    /// Fetches the next card and the progress figures (kept counts in the store, so both
    /// are index look-ups whatever the size of the queue).
    private func loadNext() throws {
        state.card = try backend.nextCard()
        state.progress = try backend.progress()
        state.draft = Annotation()
        state.scroll = 0
        state.mode = .rating
        state.seen = AnswersSeen()
        shownAt = clock()
    }

    /// Records the answers whose last line the current state shows (the driver draws it).
    private func noteVisible() { state.seen.note(state) }
}

/// Seconds on a monotonic clock (unaffected by wall-clock changes).
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
