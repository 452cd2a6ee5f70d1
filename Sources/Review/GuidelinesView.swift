// The guidelines screen under `?`: the rendered Markdown, scrolled, with a footer that
// wraps on a narrow terminal rather than lose the way back.

import Support

enum GuidelinesView {
    static func footer(_ state: ReviewState, first: Int, shown: Int, total: Int) -> [StyledLine] {
        let last = min(total, first + shown)
        let parts = ["lines \(first + 1)–\(last) of \(total)", "↑↓ PgUp PgDn scroll", "q, Esc or ? back"]
        return ReviewChrome.flow(parts, columns: state.size.columns - 1, separator: " · ").map { StyledLine(" " + $0, .dim) }
    }

    /// Rows for the guidelines text: all but the title and the footer.
    static func height(_ state: ReviewState, total: Int) -> Int {
        // The footer's height does not depend on the line numbers' exact digits enough to
        // matter: measure it with the widest numbers it can show.
        max(1, state.size.rows - 1 - footer(state, first: total, shown: total, total: total).count)
    }

    static func maxScroll(_ state: ReviewState, _ guidelines: Guidelines) -> Int {
        let total = guidelines.render(columns: state.size.columns - 2).count
        return max(0, total - height(state, total: total))
    }

    static func render(_ state: ReviewState, guidelines: Guidelines, scroll: Int) -> Frame {
        let all = guidelines.render(columns: state.size.columns - 2)
        let height = height(state, total: all.count)
        let scroll = max(0, min(scroll, all.count - height))
        var lines = [StyledLine(" Rating guidelines · \(TerminalText.neutralised(guidelines.path, multiline: false))", .bar)]
        lines += all.dropFirst(scroll).prefix(height).map { StyledLine(" " + $0.text, $0.style) }
        while lines.count < 1 + height { lines.append(StyledLine("")) }
        lines += footer(state, first: scroll, shown: height, total: all.count)
        return Frame.fitted(lines, size: state.size)
    }
}
