// The adjudication screen as a pure function of its state, laid out like the review screen:
//
//   row 0            title bar: lead, case number, kind
//   rows 1…H         PROMPT, the RATINGS side by side (reviewer, label, harm, tags, comment),
//                    then the answer or answers A and B, scrolled
//   footer           scroll line · message or what to press · keys · progress
//
// Every text from the database is wrapped by display width and neutralised (TextWrap).

import FeedbackStore
import Support

public enum AdjudicationView {
    public static func render(_ state: AdjudicationState) -> Frame {
        let size = state.size
        guard ReviewView.fits(size) else {
            return Frame.fitted([StyledLine("Window too small for rounds review."),
                                 StyledLine("Need \(ReviewView.minimumSize.columns)×\(ReviewView.minimumSize.rows).")], size: size)
        }
        let all = body(state)
        let height = bodyHeight(state)
        let first = max(0, min(state.scroll, all.count - height))
        let shown = first..<min(all.count, first + height)
        var lines = [titleBar(state)] + all[shown]
        while lines.count < 1 + height { lines.append(StyledLine("")) }
        lines.append(StyledLine(ReviewView.scrollLine(first: shown.lowerBound, shown: shown.count, total: all.count, columns: size.columns), .dim))
        lines += footer(state)
        let waiting = state.cases.count - state.index
        lines.append(StyledLine(" \(state.decided) settled · \(max(0, waiting)) waiting "))
        return Frame.fitted(lines, size: size)
    }

    static func titleBar(_ state: AdjudicationState) -> StyledLine {
        let name = TerminalText.neutralised(state.lead, multiline: false)
        guard let item = state.current else {
            return StyledLine(ReviewChrome.fit(" Rounds adjudication · ", name: name, "", right: "", columns: state.size.columns), .bar)
        }
        let rest = " · case \(state.index + 1) of \(state.cases.count) · " + (item.kind == .judgment ? "single" : "pair")
        return StyledLine(ReviewChrome.fit(" Rounds adjudication · ", name: name, rest, right: "", columns: state.size.columns), .bar)
    }

    static func footer(_ state: AdjudicationState) -> [StyledLine] {
        let columns = state.size.columns
        let pair = state.current?.kind == .comparison
        let prompt = state.current == nil ? "Nothing left to adjudicate."
            : pair ? "Which answer should train? The reviewers disagree." : "Is this answer correct? The reviewers disagree."
        let first = TextWrap.wrap(state.message ?? prompt, width: columns).prefix(2).map { StyledLine($0, .highlight) }
        var keys = state.current == nil ? [] : pair ? ["a A", "b B", "t tie", "n both bad"] : ["c correct", "x incorrect"]
        keys += ["s skip", "q quit"]
        return Array(first) + ReviewChrome.legend(keys, columns)
    }

    public static func bodyHeight(_ state: AdjudicationState) -> Int {
        max(1, state.size.rows - 1 - 2 - footer(state).count)
    }

    public static func maxScroll(_ state: AdjudicationState) -> Int {
        max(0, body(state).count - bodyHeight(state))
    }

    /// Prompt, ratings and answers, wrapped for the width (text indented by two).
    public static func body(_ state: AdjudicationState) -> [StyledLine] {
        guard let item = state.current else {
            return [StyledLine(""), StyledLine("  No disagreement left to settle in this session. Press q to quit.", .heading)]
        }
        let width = state.size.columns
        var lines: [StyledLine] = []
        func section(_ title: String, _ text: String) {
            lines.append(StyledLine(title, .heading))
            lines += TextWrap.wrap(text, width: width - 2).map { StyledLine("  " + $0) }
            lines.append(StyledLine(""))
        }
        section("PROMPT", item.prompt.text)
        lines.append(StyledLine("RATINGS (\(item.ratings.count) reviewers)", .heading))
        let nameWidth = min(16, item.ratings.map { DisplayWidth.of(TerminalText.neutralised($0.reviewer, multiline: false)) }.max() ?? 0)
        for r in item.ratings {
            var name = TerminalText.neutralised(r.reviewer, multiline: false)
            if DisplayWidth.of(name) > nameWidth { name = String(name.prefix(columns: nameWidth - 1)) + "…" }
            var facts = [r.label]
            if let harm = r.harm { facts.append("harm \(harm.rawValue)") }
            if !r.tags.isEmpty { facts.append("tags " + r.tags.joined(separator: ", ")) }
            let row = "  " + name.padded(toColumns: nameWidth) + "  " + facts.joined(separator: " · ")
            lines += TextWrap.wrap(row, width: width).map { StyledLine($0) }
            if let comment = r.comment, !comment.isEmpty {
                lines += TextWrap.wrap(comment, width: width - nameWidth - 6).map { StyledLine("  " + String(repeating: " ", count: nameWidth + 2) + "“" + $0) }
            }
        }
        lines.append(StyledLine(""))
        if item.texts.count == 2 {
            section("ANSWER A", item.texts[0])
            section("ANSWER B", item.texts[1])
        } else {
            section("ANSWER", item.texts.first ?? "")
        }
        return lines
    }
}
