// The review screen as a pure function of the session state and the terminal size.
//
//   row 0            title bar: reviewer, card number and kind
//   rows 1…H         the body (prompt, then the answer or answers A and B), scrolled
//   footer           scroll position · details or the open menu · keys · progress bar
//
// At 80×24 the body gets 19 rows; menus and the comment editor replace footer lines.

import FeedbackStore
import Support

public enum ReviewView {
    /// Below this size the screen only asks for a larger window.
    public static let minimumSize = TerminalSize(rows: 10, columns: 30)

    /// Rows of footer below the body (separator, details, keys, progress).
    static let footerRows = 4

    public static func bodyHeight(_ size: TerminalSize) -> Int { max(1, size.rows - 1 - footerRows) }
    static func helpHeight(_ size: TerminalSize) -> Int { max(1, size.rows - 2) }

    /// The whole body (prompt and answers) wrapped for the terminal width.
    public static func body(_ state: ReviewState) -> [StyledLine] {
        guard let card = state.card else {
            return [StyledLine(""), StyledLine("  Nothing left to review. Thank you!", .heading), StyledLine(""),
                    StyledLine("  New samples arrive after the nightly run. Press q to quit.")]
        }
        let width = state.size.columns - 2
        func section(_ title: String, _ text: String) -> [StyledLine] {
            [StyledLine(title, .heading)] + TextWrap.wrap(text, width: width).map { StyledLine("  " + $0) } + [StyledLine("")]
        }
        var lines = section("PROMPT", card.prompt)
        switch card.answers {
        case .single(let answer): lines += section("ANSWER", answer)
        case .pair(let a, let b): lines += section("ANSWER A", a) + section("ANSWER B", b)
        }
        return lines
    }

    public static func maxScroll(_ state: ReviewState) -> Int {
        max(0, body(state).count - bodyHeight(state.size))
    }

    public static func maxHelpScroll(_ state: ReviewState, _ guidelines: Guidelines) -> Int {
        max(0, guidelines.render(columns: state.size.columns - 2).count - helpHeight(state.size))
    }

    /// The frame for `state` and `guidelines` (exactly `state.size.rows` lines).
    public static func render(_ state: ReviewState, guidelines: Guidelines) -> Frame {
        let size = state.size
        guard size.rows >= minimumSize.rows, size.columns >= minimumSize.columns else {
            return Frame.fitted([StyledLine("Window too small for rounds review."),
                                 StyledLine("Need \(minimumSize.columns)×\(minimumSize.rows), have \(size.columns)×\(size.rows).")],
                                size: size)
        }
        if case .help(let scroll) = state.mode { return renderHelp(state, guidelines: guidelines, scroll: scroll) }

        let height = bodyHeight(size)
        let all = body(state)
        let scroll = max(0, min(state.scroll, all.count - height))
        var lines = [titleBar(state)]
        lines += Array(all.dropFirst(scroll).prefix(height))
        while lines.count < 1 + height { lines.append(StyledLine("")) }

        lines.append(StyledLine(scrollLine(first: scroll, shown: height, total: all.count, columns: size.columns), .dim))
        var cursor: (row: Int, column: Int)? = nil
        let (details, keys) = footer(state, cursor: &cursor, row: lines.count)
        lines.append(details)
        lines.append(StyledLine(keys, .dim))
        lines.append(progressBar(state))
        return Frame.fitted(lines, size: size, cursor: cursor)
    }

    static func titleBar(_ state: ReviewState) -> StyledLine {
        var left = " Rounds review · \(state.reviewer)"
        if let card = state.card { left += " · item \(card.itemNumber) · " + (card.isPair ? "pair: which is better?" : "is this answer correct?") }
        let right = "? help "
        let room = state.size.columns - DisplayWidth.of(right)
        return StyledLine(left.padded(toColumns: max(0, room)) + right, .bar)
    }

    static func scrollLine(first: Int, shown: Int, total: Int, columns: Int) -> String {
        let last = min(total, first + shown)
        var label = total > shown ? " lines \(first + 1)–\(last) of \(total)" : ""
        if last < total { label += " · ↓ PgDn/space for more" }
        if first > 0 { label += " · ↑ PgUp" }
        let rule = String(repeating: "─", count: max(0, columns - DisplayWidth.of(label) - 2))
        return "──" + label + " " + rule
    }

    /// The details line (or the open menu or comment editor) and the keys line.
    static func footer(_ state: ReviewState, cursor: inout (row: Int, column: Int)?, row: Int) -> (StyledLine, String) {
        let pairKeys = "a A  b B  t tie  n both bad"
        let singleKeys = "c correct  x incorrect"
        let choiceKeys = state.card.map { $0.isPair ? pairKeys : singleKeys } ?? ""
        switch state.mode {
        case .harmMenu:
            return (StyledLine("Harm if acted on:  0 none  1 mild  2 moderate  3 severe  - clear", .highlight),
                    "digit to choose · Esc back")
        case .tagMenu:
            // Two rows of three, so the menu fits 80 columns.
            let items = ReviewTag.allCases.enumerated().map { i, tag in
                (state.draft.tags.contains(tag) ? "[x]" : "[ ]") + "\(i + 1) \(tag.rawValue)"
            }
            return (StyledLine("Tags: " + items.prefix(3).joined(separator: "  "), .highlight),
                    "      " + items.dropFirst(3).joined(separator: "  ") + " · Enter done")
        case .comment(let editor):
            let label = "Comment: "
            let (visible, column) = editor.visible(columns: state.size.columns - DisplayWidth.of(label) - 1)
            cursor = (row, DisplayWidth.of(label) + column)
            return (StyledLine(label + visible, .highlight), "Enter keep · Esc cancel · ←→ move · Backspace delete")
        case .rating, .help:
            let pair = state.card?.isPair ?? false
            let line = state.message.map { StyledLine($0, .highlight) } ?? StyledLine(details(state.draft, pair: pair))
            return (line, choiceKeys + (pair ? "  s skip  u undo  m comment  q quit" : "  s skip  u undo  h harm  g tags  m comment  q quit"))
        }
    }

    static func details(_ draft: Annotation, pair: Bool) -> String {
        let comment = "comment: " + (draft.comment.isEmpty ? "—" : draft.comment)
        if pair { return comment }
        let harm = draft.harm?.rawValue ?? "—"
        let tags = draft.tags.isEmpty ? "—" : draft.tags.map(\.rawValue).joined(separator: ", ")
        return "harm: \(harm) · tags: \(tags) · \(comment)"
    }

    static func progressBar(_ state: ReviewState) -> StyledLine {
        let p = state.progress
        let label = " \(p.doneToday) done today · \(p.remaining) remaining "
        let barWidth = max(0, min(30, state.size.columns - DisplayWidth.of(label) - 3))
        let total = p.doneToday + p.remaining
        let filled = total == 0 ? barWidth : barWidth * p.doneToday / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
        return StyledLine("[" + bar + "]" + label)
    }

    static func renderHelp(_ state: ReviewState, guidelines: Guidelines, scroll: Int) -> Frame {
        let size = state.size
        let height = helpHeight(size)
        let all = guidelines.render(columns: size.columns - 2)
        let scroll = max(0, min(scroll, all.count - height))
        var lines = [StyledLine(" Rating guidelines · \(guidelines.path)", .bar)]
        lines += all.dropFirst(scroll).prefix(height).map { StyledLine(" " + $0.text, $0.style) }
        while lines.count < 1 + height { lines.append(StyledLine("")) }
        let last = min(all.count, scroll + height)
        lines.append(StyledLine(" lines \(scroll + 1)–\(last) of \(all.count) · ↑↓ PgUp PgDn scroll · q, Esc or ? back", .dim))
        return Frame.fitted(lines, size: size)
    }
}
