// The session's handling of corrections (`e`) and the rubric (`r`) on single answers. Both
// only change the draft: they are saved with the rating key, in the judgment's transaction,
// and an undo of that rating withdraws them with it.

import FeedbackStore
import Foundation
import Privacy
import Support

extension ReviewSession {
    /// `e`: the answer (or the correction kept so far) in the editor. The text is the one on
    /// screen: control characters are shown neutralised, and edited as shown.
    func openCorrection(_ card: ReviewCard) throws {
        guard case .single(let answer) = card.answers else { return }
        let start = state.draft.correction.isEmpty ? TerminalText.neutralised(answer) : state.draft.correction
        if let externalEditor {
            if let edited = try externalEditor(start) { acceptCorrection(edited) } else {
                state.message = "The editor ended without saving; nothing changed."
            }
            return
        }
        var editor = CorrectionEditor(text: start)
        editor.follow(width: CorrectionView.width(state), height: ReviewView.bodyHeight(state))
        state.mode = .correction(editor)
    }

    func handleCorrection(_ key: Key, _ editor: CorrectionEditor) {
        var editor = editor
        switch editor.handle(key, width: CorrectionView.width(state)) {
        case .editing:
            editor.follow(width: CorrectionView.width(state), height: ReviewView.bodyHeight(state))
            state.mode = .correction(editor)
        case .accepted(let text):
            acceptCorrection(text)
        case .cancelled:
            state.mode = .rating
            state.message = "Editing cancelled; the correction is as it was."
        }
    }

    /// The correction as it will be saved: trimmed, identifiers replaced (the body shows the
    /// result under the answer). Text equal to the answer is no correction.
    func acceptCorrection(_ text: String) {
        state.mode = .rating
        guard case .single(let answer)? = state.card?.answers else { return }
        let trimmed = text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let had = !state.draft.correction.isEmpty
        if trimmed.isEmpty || trimmed == TerminalText.neutralised(answer).trimmingCharacters(in: .whitespacesAndNewlines) {
            state.draft.correction = ""
            state.draft.correctionIdentifiers = 0
            state.message = had ? "Correction removed: the text is the answer unchanged." : "No correction: the text is the answer unchanged."
            return
        }
        let result = scrubber.scrub(trimmed)
        state.draft.correction = result.text
        state.draft.correctionIdentifiers = result.spans.count
        var message = "Correction kept (shown under the answer); it is saved with your rating."
        if !result.spans.isEmpty {
            let kinds = Set(result.spans.map(\.kind)).sorted { $0.rawValue < $1.rawValue }.map(\.rawValue).joined(separator: ", ")
            message += " Scrubbed: \(result.spans.count) identifier\(result.spans.count == 1 ? "" : "s") (\(kinds)) replaced."
        }
        state.message = message
    }

    /// The rubric: a digit chooses that value on the current axis and moves to the next;
    /// 0, - or Backspace clears it; ↑↓ (k j, Tab) move between axes; Enter, Esc or r close.
    func handleRubric(_ key: Key, axis current: Int) {
        let rubric = state.rubric
        guard rubric.indices.contains(current) else { state.mode = .rating; return }
        let axis = rubric[current]
        switch key {
        case .char(let scalar) where ("1"..."9").contains(scalar):
            let index = Int(scalar.value) - 0x31
            guard index < axis.values.count else { return }
            state.draft.setRubricValue(axis, index)
            state.mode = .rubric(axis: min(current + 1, rubric.count - 1))
        case .char("0"), .char("-"), .backspace:
            state.draft.setRubricValue(axis, nil)
        case .up, .char("k"):
            state.mode = .rubric(axis: max(0, current - 1))
        case .down, .char("j"), .tab:
            state.mode = .rubric(axis: min(rubric.count - 1, current + 1))
        case .enter, .escape, .char("r"):
            state.mode = .rating
        default:
            break
        }
    }
}
