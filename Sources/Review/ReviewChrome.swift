// Everything on the review screen around the body: the title bar, the footer (details,
// message or menu, and the key legend) and the progress bar. Every part is laid out by
// display width: the legend and messages wrap rather than lose their ends, and a long
// reviewer name is cut with an ellipsis rather than push the item number off the bar.

import FeedbackStore
import Support

enum ReviewChrome {
    /// The footer rows between the scroll line and the progress bar.
    struct Footer {
        var lines: [StyledLine]
        /// Where the comment editor's cursor is on the first footer row, if it is open.
        var cursorColumn: Int?
    }

    static func titleBar(_ state: ReviewState) -> StyledLine {
        let columns = state.size.columns
        let name = TerminalText.neutralised(state.reviewer, multiline: false)
        guard let card = state.card else {
            return StyledLine(fit(" Rounds review · ", name: name, "", right: "? help ", columns: columns), .bar)
        }
        let item = " · item \(card.itemNumber) · "
        let modes = card.isPair ? ["pair: which is better?", "pair"] : ["is this answer correct?", "single"]
        // The most informative arrangement that leaves the name a few columns; the name is
        // cut to what is left. The item number and the kind are never cut.
        let room = min(DisplayWidth.of(name), 16)
        for brand in [" Rounds review · ", " "] {
            for mode in modes {
                for right in ["? help ", ""] {
                    let fixed = DisplayWidth.of(brand + item + mode + right) + (right.isEmpty ? 0 : 1)
                    if columns - fixed >= room { return StyledLine(fit(brand, name: name, item + mode, right: right, columns: columns), .bar) }
                }
            }
        }
        return StyledLine(fit(" ", name: name, item + modes[1], right: "", columns: columns), .bar)
    }

    /// `left + name + rest`, the name shortened with "…" so the line and `right` fit.
    static func fit(_ left: String, name: String, _ rest: String, right: String, columns: Int) -> String {
        let gap = right.isEmpty ? 0 : 1
        let budget = max(0, columns - DisplayWidth.of(left + rest + right) - gap)
        let shown = DisplayWidth.of(name) <= budget ? name : String(name.prefix(columns: max(0, budget - 1))) + "…"
        return (left + shown + rest).padded(toColumns: max(0, columns - DisplayWidth.of(right))) + right
    }

    static func footer(_ state: ReviewState) -> Footer {
        let columns = state.size.columns
        switch state.mode {
        case .harmMenu:
            let menu = flow(["Harm if acted on:", "0 none", "1 mild", "2 moderate", "3 severe", "- clear"], columns: columns)
            return Footer(lines: menu.map { StyledLine($0, .highlight) } + legend(["digit to choose", "Esc back"], columns))
        case .tagMenu:
            let items = ReviewTag.allCases.enumerated().map { i, tag in
                (state.draft.tags.contains(tag) ? "[x]" : "[ ]") + "\(i + 1) \(tag.rawValue)"
            }
            // At 80 columns: two rows of three, the second ending in the way out.
            return Footer(lines: flow(["Tags:"] + items + ["Enter done"], columns: columns).map { StyledLine($0, .highlight) })
        case .comment(let editor):
            let label = "Comment: "
            let (visible, column) = editor.visible(columns: columns - DisplayWidth.of(label) - 1)
            return Footer(lines: [StyledLine(label + visible, .highlight)]
                            + legend(["Enter keep", "Esc cancel", "←→ move", "Backspace delete"], columns),
                          cursorColumn: DisplayWidth.of(label) + column)
        case .rubric(let axis):
            return Footer(lines: RubricView.lines(state, current: axis))
        case .correction:
            return Footer(lines: legend(CorrectionView.keys, columns))
        case .rating, .help:
            let pair = state.card?.isPair ?? false
            let first: [StyledLine]
            if let message = state.message {
                first = TextWrap.wrap(message, width: columns).prefix(3).map { StyledLine($0, .highlight) }
            } else {
                first = [StyledLine(details(state.draft, pair: pair, rubric: state.rubric))]
            }
            var keys = state.card == nil ? [] : pair ? ["a A", "b B", "t tie", "n both bad"] : ["c correct", "x incorrect"]
            // Single answers: 80 columns exactly (h harm works too: harm extent is also on the rubric).
            keys += pair ? ["s skip", "u undo", "m comment", "q quit"] : ["s skip", "u undo", "e edit", "r rubric", "g tags", "m note", "q quit"]
            return Footer(lines: first + legend(keys, columns))
        }
    }

    static func legend(_ keys: [String], _ columns: Int) -> [StyledLine] {
        flow(keys, columns: columns).map { StyledLine($0, .dim) }
    }

    /// `groups` joined by `separator`, wrapped between groups to lines of `columns`.
    static func flow(_ groups: [String], columns: Int, separator: String = "  ") -> [String] {
        var lines: [String] = []
        var line = ""
        for group in groups {
            if !line.isEmpty, DisplayWidth.of(line) + DisplayWidth.of(separator) + DisplayWidth.of(group) > columns {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : separator) + group
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func details(_ draft: Annotation, pair: Bool, rubric: [RubricAxis] = []) -> String {
        let comment = "comment: " + (draft.comment.isEmpty ? "—" : TerminalText.neutralised(draft.comment, multiline: false))
        if pair { return comment }
        let harm = draft.harm?.rawValue ?? "—"
        let tags = draft.tags.isEmpty ? "—" : draft.tags.map(\.rawValue).joined(separator: ", ")
        // Rubric and correction first when there are any, so a long comment cannot hide them.
        let rated = draft.rubricCount(rubric)
        let extra = (rated > 0 ? "rubric \(rated)/\(rubric.count) · " : "") + (draft.correction.isEmpty ? "" : "corrected · ")
        return extra + "harm: \(harm) · tags: \(tags) · \(comment)"
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
}
