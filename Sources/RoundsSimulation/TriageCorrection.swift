import Foundation

/// How a clinician corrects a triage answer with the wrong disposition, in the review tool's
/// correction editor: the answer is kept, its disposition is rewritten in the house style of
/// `feedback/seed/sft.jsonl` ("Urgency: …" / "緊急度：…" first line).
///
/// - A red-flag prompt whose answer does not send the patient to emergency care: the first
///   line becomes the emergency disposition (an existing "Urgency:" line is replaced, otherwise
///   the line is put first).
/// - A prompt without a red flag whose answer sends the patient to emergency care: every
///   sentence that does so is struck, and a disposition line, if the answer has one, becomes
///   "self-care at home" (an answer without one, such as a letter, gets none).
///
/// Nil when the answer's disposition is already right (nothing to correct), when the prompt
/// has no red-flag label, or when the answer is empty or nothing of it would be left.
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
        let hadDisposition = lines.first.map(isDispositionLine) ?? false
        if hadDisposition { lines.removeFirst() }
        if !redFlag {
            // Strike what sends the patient to emergency care, sentence by sentence.
            lines = lines.map { line in
                sentences(line).filter { !ScriptedReviewer.mentionsEmergencyCare($0.lowercased()) }.joined()
                    .trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
        // A benign answer without a disposition line (a letter, a summary) gets none.
        if redFlag {
            lines.insert(japanese ? emergency.ja : emergency.en, at: 0)
        } else if hadDisposition {
            lines.insert(japanese ? selfCare.ja : selfCare.en, at: 0)
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
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
