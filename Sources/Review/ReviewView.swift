// The review screen as a pure function of the session state and the terminal size.
//
//   row 0            title bar: reviewer, card number and kind
//   rows 1…H         the body (prompt, then the answer or answers A and B), scrolled
//   footer           scroll position · details, message or the open menu · keys · progress bar
//
// At 80×24 the body gets 19 rows. On a narrower terminal the key legend and long messages
// wrap onto more footer rows (nothing is cut off), and the body gets what is left.

import FeedbackStore
import Support

public enum ReviewView {
    /// Below this size the screen only asks for a larger window.
    public static let minimumSize = TerminalSize(rows: 10, columns: 30)

    public static func fits(_ size: TerminalSize) -> Bool {
        size.rows >= minimumSize.rows && size.columns >= minimumSize.columns
    }

    /// Rows the body gets in `state` (the footer takes the rest).
    public static func bodyHeight(_ state: ReviewState) -> Int {
        max(1, state.size.rows - 1 - 2 - footer(state).lines.count)
    }

    /// The whole body (prompt and answers) wrapped for the terminal width.
    public static func body(_ state: ReviewState) -> [StyledLine] {
        guard let card = state.card else {
            return [StyledLine(""), StyledLine("  Nothing left to review. Thank you!", .heading), StyledLine(""),
                    StyledLine("  New samples arrive after the nightly run. Press q to quit.")]
        }
        let lines = card.layout(width: state.size.columns).lines
        // A correction kept for this card shows under the answer, as it will be saved.
        return state.draft.correction.isEmpty ? lines : lines + CorrectionView.section(state.draft.correction, width: state.size.columns)
    }

    public static func maxHelpScroll(_ state: ReviewState, _ guidelines: Guidelines) -> Int {
        GuidelinesView.maxScroll(state, guidelines)
    }

    public static func maxScroll(_ state: ReviewState) -> Int {
        max(0, body(state).count - bodyHeight(state))
    }

    /// The body lines on screen in `state`: from the (clamped) scroll offset, at most a page.
    public static func visibleRange(_ state: ReviewState) -> Range<Int> {
        let total = body(state).count
        let first = max(0, min(state.scroll, total - bodyHeight(state)))
        return first..<min(total, first + bodyHeight(state))
    }

    /// The frame for `state` and `guidelines` (exactly `state.size.rows` lines).
    public static func render(_ state: ReviewState, guidelines: Guidelines) -> Frame {
        let size = state.size
        guard fits(size) else {
            return Frame.fitted([StyledLine("Window too small for rounds review."),
                                 StyledLine("Need \(minimumSize.columns)×\(minimumSize.rows), have \(size.columns)×\(size.rows).")],
                                size: size)
        }
        if case .help(let scroll) = state.mode { return GuidelinesView.render(state, guidelines: guidelines, scroll: scroll) }
        if case .correction(let editor) = state.mode { return CorrectionView.render(state, editor: editor) }

        let all = body(state)
        let shown = visibleRange(state)
        var lines = [ReviewChrome.titleBar(state)]
        lines += all[shown]
        while lines.count < 1 + bodyHeight(state) { lines.append(StyledLine("")) }
        lines.append(StyledLine(scrollLine(first: shown.lowerBound, shown: shown.count, total: all.count, columns: size.columns), .dim))
        let footer = footer(state)
        let cursor = footer.cursorColumn.map { (row: lines.count, column: $0) }
        lines += footer.lines
        lines.append(ReviewChrome.progressBar(state))
        return Frame.fitted(lines, size: size, cursor: cursor)
    }

    static func scrollLine(first: Int, shown: Int, total: Int, columns: Int) -> String {
        let last = min(total, first + shown)
        var label = total > shown ? " lines \(first + 1)–\(last) of \(total)" : ""
        if last < total { label += " · ↓ PgDn/space for more" }
        if first > 0 { label += " · ↑ PgUp" }
        let rule = String(repeating: "─", count: max(0, columns - DisplayWidth.of(label) - 2))
        return "──" + label + " " + rule
    }

    static func footer(_ state: ReviewState) -> ReviewChrome.Footer { ReviewChrome.footer(state) }
}
