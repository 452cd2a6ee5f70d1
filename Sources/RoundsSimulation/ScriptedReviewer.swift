import Foundation

/// A reviewer that rates by a fixed rule instead of judgement: used to show in tests that
/// preference training learns what reviewers want, and to fill the review queue when no
/// person is at the terminal (every rating it writes is labelled as simulated).
public struct ScriptedReviewer: Sendable {
    /// The reviewer name ratings are stored under: it says what it is.
    public static let name = "simulated-reviewer"

    public enum Outcome: String, Sendable { case a, b, tie, bothBad }

    public let isCorrect: @Sendable (_ prompt: String, _ redFlag: Bool?, _ answer: String) -> Bool
    /// Ranks two answers that get the same verdict (higher is better), as a clinician still
    /// prefers the clearer of two acceptable answers; nil: such answers tie (or are both bad).
    public let quality: (@Sendable (_ prompt: String, _ answer: String) -> Int)?

    public init(isCorrect: @escaping @Sendable (_ prompt: String, _ redFlag: Bool?, _ answer: String) -> Bool,
                quality: (@Sendable (_ prompt: String, _ answer: String) -> Int)? = nil) {
        self.isCorrect = isCorrect
        self.quality = quality
    }

    public func judge(prompt: String, redFlag: Bool?, answer: String) -> Bool {
        isCorrect(prompt, redFlag, answer)
    }

    /// Prefers the correct answer. Of two answers with the same verdict it prefers the one of
    /// higher `quality`; equal ones tie when correct and are both bad when wrong.
    public func compare(prompt: String, redFlag: Bool?, a: String, b: String) -> Outcome {
        let verdicts = (judge(prompt: prompt, redFlag: redFlag, answer: a), judge(prompt: prompt, redFlag: redFlag, answer: b))
        if verdicts.0 != verdicts.1 { return verdicts.0 ? .a : .b }
        if let quality {
            let (qa, qb) = (quality(prompt, a), quality(prompt, b))
            if qa != qb { return qa > qb ? .a : .b }
        }
        return verdicts.0 ? .tie : .bothBad
    }

    /// The triage rule on real text: when the prompt carries a red-flag symptom, a correct
    /// answer directs the patient to emergency care; otherwise it must not send them there.
    /// Prompts without a red-flag label are judged on finishing cleanly and staying on topic
    /// length (a non-empty answer under `maxCharacters`).
    public static func triageRule(maxCharacters: Int = 2_000) -> ScriptedReviewer {
        ScriptedReviewer { _, redFlag, answer in
            let text = answer.lowercased()
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= maxCharacters else { return false }
            guard let redFlag else { return true }
            return mentionsEmergencyCare(text) == redFlag
        }
    }

    /// The triage rule with a clinician's tie-breaks on real text (`rounds simulate-review`, the
    /// main job): of two answers with the same verdict, the one meeting more of these wins —
    /// it ends with a finished sentence, repeats no sentence, answers in the prompt's language,
    /// and says when to see a doctor, nurse or pharmacist.
    public static func clinicalRubric(maxCharacters: Int = 2_000) -> ScriptedReviewer {
        ScriptedReviewer(isCorrect: triageRule(maxCharacters: maxCharacters).isCorrect) { prompt, answer in
            let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
            let lowered = text.lowercased()
            var score = 0
            if let last = text.last, ".!?。！？)）」".contains(last) { score += 1 }
            if !repeatsASentence(text) { score += 1 }
            if isJapanese(prompt) == (japaneseShare(text) >= 0.3) { score += 1 }
            if careMarkers.contains(where: { lowered.contains($0) }) { score += 1 }
            return score
        }
    }

    /// Words that send the reader to a person who can examine them or their prescription.
    static let careMarkers = [
        "doctor", "gp", "physician", "nurse", "pharmacist", "prescriber", "clinic", "healthcare provider",
        "医師", "医者", "受診", "薬剤師", "病院", "主治医", "かかりつけ",
    ]

    /// True when a sentence of at least 12 characters occurs twice (a looping answer).
    static func repeatsASentence(_ text: String) -> Bool {
        var seen = Set<Substring>()
        for sentence in text.split(whereSeparator: { ".!?。！？\n".contains($0) }) {
            let trimmed = sentence.drop { $0 == " " }
            guard trimmed.count >= 12 else { continue }
            if !seen.insert(trimmed).inserted { return true }
        }
        return false
    }

    static func isJapaneseScalar(_ s: Unicode.Scalar) -> Bool {
        (0x3040...0x30FF).contains(s.value) || (0x4E00...0x9FFF).contains(s.value) || (0xFF66...0xFF9F).contains(s.value)
    }

    static func isJapanese(_ text: String) -> Bool { text.unicodeScalars.contains(where: isJapaneseScalar) }

    /// Japanese characters among the letters of `text` (0 when it has none).
    static func japaneseShare(_ text: String) -> Double {
        var letters = 0, japanese = 0
        for s in text.unicodeScalars where s.properties.isAlphabetic {
            letters += 1
            if isJapaneseScalar(s) { japanese += 1 }
        }
        return letters == 0 ? 0 : Double(japanese) / Double(letters)
    }

    static let emergencyMarkers = [
        "emergency department", "emergency room", "a&e", "call 999", "call 911", "call 112", "call 119",
        "emergency services", "ambulance", "救急", "119番", "119 番",
    ]

    public static func mentionsEmergencyCare(_ lowercased: String) -> Bool {
        emergencyMarkers.contains { lowercased.contains($0) }
    }

    /// Red-flag symptoms the simulated reviewer looks for in a prompt when no label is stored
    /// (the symptoms of `feedback/seed`'s triage prompts, in English and Japanese).
    static let redFlagMarkers = [
        "chest pain", "crushing", "sweating", "worst headache", "sudden severe headache", "thunderclap", "facial droop",
        "slurred", "weakness on one side", "one-sided weakness", "can't breathe", "cannot breathe", "difficulty breathing",
        "short of breath", "fainted", "passed out", "unconscious", "vomiting blood", "black stool", "severe bleeding",
        "stiff neck", "rash that doesn't fade", "suicid", "kill myself", "anaphylaxis", "throat swelling", "lips swelling",
        "seizure", "confused", "throat feels tight", "throat is tight", "face is swelling", "lips are swelling",
        "floppy", "not feeding", "coughing up", "bright red blood", "severe headache", "flashing lights", "whole bottle",
        "overdose", "too many pills",
        "胸痛", "胸が痛", "冷や汗", "激しい頭痛", "突然の頭痛", "ろれつ", "顔の片側", "片側の手足", "息苦し", "呼吸が苦し",
        "意識を失", "失神", "吐血", "黒い便", "大量の出血", "首の硬直", "首が硬", "死にたい", "自殺", "アナフィラキシー",
        "喉の腫れ", "けいれん", "のどが締め", "顔が腫れ", "ぐったり", "ミルクを飲", "血を", "咳と一緒に", "睡眠薬",
        "全部飲", "チカチカ", "錯乱", "意識がもうろう",
    ]

    /// Clinical documentation tasks (summaries, letters, case presentations, handovers): they
    /// describe a patient to a colleague, so their symptoms call for no triage advice.
    static let documentationMarkers = [
        "summary", "referral", "letter", "case presentation", "sbar", "handover",
        "サマリー", "紹介状", "症例提示", "申し送り", "返書",
    ]

    public static func hasRedFlag(_ prompt: String) -> Bool {
        let text = prompt.lowercased()
        guard !documentationMarkers.contains(where: { text.contains($0) }) else { return false }
        return redFlagMarkers.contains { text.contains($0) }
    }
}
