// The rubric under `r`, in the footer: a line of keys, then one row per axis with its values
// numbered 1…n, the chosen value in brackets and the current axis marked. At 80×24 the six
// default axes leave the answer 14 rows. Labels are cut by display width (a Japanese label
// takes two cells a character) so each axis stays on one row.

import Support

enum RubricView {
    static func lines(_ state: ReviewState, current: Int) -> [StyledLine] {
        let columns = state.size.columns
        let rubric = state.rubric
        var lines = ReviewChrome.flow(["Rubric:", "↑↓ axis", "1–9 value", "0 clear", "Enter done"], columns: columns)
            .map { StyledLine($0, .dim) }
        let labels = rubric.map { TerminalText.neutralised($0.label, multiline: false) }
        func valueGroups(_ axis: RubricAxis, chosen: Int?) -> [String] {
            axis.values.enumerated().map { j, value in
                let text = "\(j + 1) " + TerminalText.neutralised(value, multiline: false)
                return j == chosen ? "[" + text + "]" : text
            }
        }
        // The label column is as wide as the widest label, less what the widest values need.
        let valuesWidth = rubric.map { axis in
            DisplayWidth.of(valueGroups(axis, chosen: nil).joined(separator: "  ")) + 2
        }.max() ?? 0
        let labelWidth = min(labels.map { DisplayWidth.of($0) }.max() ?? 0, max(8, columns - 3 - valuesWidth))
        for (i, axis) in rubric.enumerated() {
            let groups = valueGroups(axis, chosen: state.draft.rubricValue(axis))
            let values = groups.joined(separator: "  ")
            var label = labels[i]
            if DisplayWidth.of(label) > labelWidth { label = String(label.prefix(columns: labelWidth - 1)) + "…" }
            let marker = i == current ? "▶ " : "  "
            let style: LineStyle = i == current ? .highlight : .plain
            let row = marker + label.padded(toColumns: labelWidth) + " " + values
            if DisplayWidth.of(row) <= columns {
                lines.append(StyledLine(row, style))
            } else {
                // Too narrow for one row: the whole label, then the values wrapped under it.
                lines += TextWrap.wrap(marker + labels[i], width: columns).map { StyledLine($0, style) }
                lines += ReviewChrome.flow(groups, columns: columns - 4).map { StyledLine("    " + $0, style) }
            }
        }
        return lines
    }
}
