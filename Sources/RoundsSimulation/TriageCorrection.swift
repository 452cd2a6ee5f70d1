import Foundation

/// How a clinician corrects a triage answer with the wrong disposition, in the review tool's
/// correction editor: the answer is kept, its disposition is rewritten in the house style of
/// `feedback/seed/sft.jsonl` ("Urgency: …" / "緊急度：…" first line).
///
/// - A red-flag prompt whose answer does not send the patient to emergency care: the first
///   line becomes the emergency disposition (an existing "Urgency:" line is replaced, otherwise
///   the line is put first).
/// - A benign prompt whose answer sends the patient to emergency care: every sentence that
///   does so is struck and the first line becomes "self-care at home".
///
/// Nil when the answer's disposition is already right (nothing to correct), when the prompt
/// has no red-flag label, or when the answer is empty.
public enum TriageCorrection {
    static let emergency = (
        en: "Urgency: Emergency. Call emergency services (911/999/112; 119 in Japan) now for an ambulance to the emergency department.",
        ja: "緊急度：救急。今すぐ119番に電話し、救急車で救急外来を受診してください。")
    static let selfCare = (en: "Urgency: Self-care at home.", ja: "緊急度：自宅でのセルフケア。")

    public static func corrected(prompt: String, redFlag: Bool?, answer: String) -> String? {
        guard let redFlag else { return nil }
        let text = answer.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, ScriptedReviewer.mentionsEmergencyCare(text.lowercased()) != redFlag else { return nil }
        let japanese = ScriptedReviewer.isJapanese(prompt)
        var lines = text.components(separatedBy: "\n")
        if !redFlag {
            // Strike what sends the patient to emergency care, sentence by sentence.
            lines = lines.map { line in
                sentences(line).filter { !ScriptedReviewer.mentionsEmergencyCare($0.lowercased()) }.joined()
                    .trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
        let disposition = redFlag ? (japanese ? emergency.ja : emergency.en) : (japanese ? selfCare.ja : selfCare.en)
        if let first = lines.first, isDispositionLine(first) {
            lines[0] = disposition
        } else {
            lines.insert(disposition, at: 0)
        }
        return lines.joined(separator: "\n")
    }

    /// A line that states the answer's urgency (the house style's first line).
    static func isDispositionLine(_ line: String) -> Bool {
        let lowered = line.trimmingCharacters(in: .whitespaces).lowercased()
        return lowered.hasPrefix("urgency") || lowered.hasPrefix("緊急度")
    }

    /// The sentences of one line, each with its closing punctuation and following spaces.
    static func sentences(_ line: String) -> [String] {
        var out: [String] = [], current = ""
        var closing = false
        for c in line {
            if closing, c != " " {
                out.append(current)
                current = ""
                closing = false
            }
            current.append(c)
            if ".!?。！？".contains(c) { closing = true }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
