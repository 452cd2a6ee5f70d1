// The lead's adjudication tool (`rounds review --adjudicate`): items the reviewers disagree
// on, one at a time, with every rating side by side; one key picks the label that trains.
// The reviewers' ratings stay as they were; the store records the lead's label beside them.

import FeedbackStore
import Foundation

/// Where the adjudication tool reads its cases and records the lead's labels.
public protocol AdjudicationBackend {
    func waiting() throws -> [AdjudicationCase]
    func decide(_ item: AdjudicationCase, label: ItemLabel) throws
}

/// The store's adjudication queue, as the lead `actor`.
public struct StoreAdjudicationBackend: AdjudicationBackend {
    public let store: FeedbackStore
    public let actor: Caller
    public init(store: FeedbackStore, actor: Caller) { (self.store, self.actor) = (store, actor) }
    public func waiting() throws -> [AdjudicationCase] { try store.adjudicationQueue() }
    public func decide(_ item: AdjudicationCase, label: ItemLabel) throws { try store.adjudicate(item, label: label, by: actor) }
}

public struct AdjudicationState: Equatable, Sendable {
    public var lead: String
    public var cases: [AdjudicationCase] = []
    public var index = 0
    public var decided = 0
    public var scroll = 0
    public var message: String?
    public var size = TerminalSize(rows: 24, columns: 80)

    public init(lead: String) { self.lead = lead }
    public var current: AdjudicationCase? { index < cases.count ? cases[index] : nil }
}

public final class AdjudicationSession {
    public private(set) var state: AdjudicationState
    private let backend: AdjudicationBackend

    public init(backend: AdjudicationBackend, lead: String) {
        self.backend = backend
        self.state = AdjudicationState(lead: lead)
    }

    public func start() throws { state.cases = try backend.waiting() }

    public func resize(_ size: TerminalSize) { state.size = size }

    func setMessage(_ message: String) { state.message = message }

    /// Handles one key; true when the lead quits.
    public func handle(_ key: Key) throws -> Bool {
        let page = max(1, AdjudicationView.bodyHeight(state) - 1)
        switch key {
        case .char("q"), .endOfInput, .interrupt: return true
        case .pageDown, .char(" "): state.scroll = min(state.scroll + page, AdjudicationView.maxScroll(state))
        case .pageUp: state.scroll = max(0, state.scroll - page)
        case .down, .char("j"): state.scroll = min(state.scroll + 1, AdjudicationView.maxScroll(state))
        case .up, .char("k"): state.scroll = max(0, state.scroll - 1)
        case .char("s"):
            guard state.current != nil else { return false }
            advance(message: "Skipped; it stays in the queue for next time.")
        case .char(let scalar):
            guard let item = state.current else { return false }
            guard let label = Self.label(for: scalar, kind: item.kind) else {
                state.message = item.kind == .judgment ? "Press c (correct) or x (incorrect) to settle this answer."
                    : "Press a, b, t (tie) or n (both bad) to settle this pair."
                return false
            }
            try backend.decide(item, label: label)
            state.decided += 1
            advance(message: "Settled: \(Self.describe(label)). The reviewers' ratings are kept as they were.")
        default: break
        }
        return false
    }

    private func advance(message: String) {
        state.index += 1
        state.scroll = 0
        state.message = message
    }

    static func label(for key: Unicode.Scalar, kind: ItemKind) -> ItemLabel? {
        switch (key, kind) {
        case ("c", .judgment): return .verdict(.correct)
        case ("x", .judgment): return .verdict(.incorrect)
        case ("a", .comparison): return .preference(.first)
        case ("b", .comparison): return .preference(.second)
        case ("t", .comparison): return .preference(.tie)
        case ("n", .comparison): return .preference(.bothBad)
        default: return nil
        }
    }

    static func describe(_ label: ItemLabel) -> String {
        switch label {
        case .verdict(let v): return v.rawValue
        case .preference(.first): return "A better"
        case .preference(.second): return "B better"
        case .preference(.tie): return "tie"
        case .preference(.bothBad): return "both bad"
        }
    }
}
