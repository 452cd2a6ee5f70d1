// Which answers of the card on screen the reviewer has had in view to their last line.
// A rating key counts only once every answer has (scrolled to, or fitting on the first
// page); otherwise the session refuses it and says what to scroll to.

public struct AnswersSeen: Equatable, Sendable {
    /// Per answer (one, or A and B), whether its last line has been on screen.
    public private(set) var flags: [Bool] = []

    public init() {}

    /// Records what `state` shows (the drivers draw every state the session reaches).
    mutating func note(_ state: ReviewState) {
        guard let card = state.card else { return }
        let ends = card.layout(width: state.size.columns).answerEnds
        if flags.count != ends.count { flags = Array(repeating: false, count: ends.count) }
        // Nothing of the card is on screen when the window is too small or the guidelines cover it.
        guard ReviewView.fits(state.size) else { return }
        if case .help = state.mode { return }
        if case .correction = state.mode { return }
        let shown = ReviewView.visibleRange(state)
        for (i, end) in ends.enumerated() where shown.contains(end) { flags[i] = true }
    }

    /// Why the card in `state` may not be rated yet, or nil when every answer was seen.
    func refusal(_ state: ReviewState) -> String? {
        guard let card = state.card else { return nil }
        let layout = card.layout(width: state.size.columns)
        let unseen = layout.answerEnds.indices.filter { !(flags.indices.contains($0) && flags[$0]) }
        guard !unseen.isEmpty else { return nil }
        guard ReviewView.fits(state.size) else { return "The window is too small to show the answers; enlarge it before rating." }
        let names = unseen.map { layout.answerNames[$0] }
        if unseen.contains(where: { layout.answerEnds[$0] < ReviewView.visibleRange(state).lowerBound }) {
            return "Scroll back to the end of \(names.joined(separator: " and ")) before rating (PgUp)."
        }
        let what = names.count == 2 ? "the ends of answers A and B" : "the end of \(names[0])"
        return "Scroll to \(what) before rating (PgDn/space)."
    }
}
