// The correction editor's screen, and the kept correction as the body shows it.
//
//   row 0        title bar
//   rows 1…H     the text being edited, wrapped at the terminal's width, scrolled to the cursor
//   rule         "── correcting the answer · row r of n"
//   footer       the editor's keys (wrapping on a narrow terminal) · progress bar

import Support

enum CorrectionView {
    static let keys = ["Ctrl-S keep", "Esc cancel", "Enter new line", "arrows move", "Backspace delete"]

    /// Wrapping width of the editor: one cell is left for the cursor after a full row.
    static func width(_ state: ReviewState) -> Int { max(2, state.size.columns - 1) }

    static func render(_ state: ReviewState, editor: CorrectionEditor) -> Frame {
        let height = ReviewView.bodyHeight(state)
        let (rows, cursor) = editor.visible(width: width(state), height: height)
        var lines = [ReviewChrome.titleBar(state)]
        lines += rows.map { StyledLine($0) }
        while lines.count < 1 + height { lines.append(StyledLine("")) }
        let total = CorrectionEditor.rows(editor.characters, width: width(state)).count
        let label = "── correcting the answer · rows \(editor.top + 1)–\(editor.top + rows.count) of \(total) "
        lines.append(StyledLine(label + String(repeating: "─", count: max(0, state.size.columns - DisplayWidth.of(label))), .dim))
        lines += ReviewChrome.footer(state).lines
        lines.append(ReviewChrome.progressBar(state))
        return Frame.fitted(lines, size: state.size, cursor: cursor.map { (row: 1 + $0.row, column: $0.column) })
    }

    /// The kept correction under the answer: a heading and the text wrapped like an answer.
    static func section(_ correction: String, width: Int) -> [StyledLine] {
        [StyledLine("YOUR CORRECTION (saved with the rating; e edits it)", .heading)]
            + TextWrap.wrap(correction, width: width - 2).map { StyledLine("  " + $0) } + [StyledLine("")]
    }
}
