import Foundation

/// A reviewer that rates by a fixed rule instead of judgement: used to show in tests that
/// preference training learns what reviewers want, and to fill the review queue when no
/// person is at the terminal (every rating it writes is labelled as simulated).
public struct ScriptedReviewer: Sendable {
    /// The reviewer name ratings are stored under: it says what it is.
    public static let name = "simulated-reviewer"

    public enum Outcome: String, Sendable { case a, b, tie, bothBad }

    public let isCorrect: @Sendable (_ prompt: String, _ redFlag: Bool?, _ answer: String) -> Bool

    public init(isCorrect: @escaping @Sendable (_ prompt: String, _ redFlag: Bool?, _ answer: String) -> Bool) {
        self.isCorrect = isCorrect
    }

    public func judge(prompt: String, redFlag: Bool?, answer: String) -> Bool {
        isCorrect(prompt, redFlag, answer)
    }

    /// Prefers the correct answer; two correct answers tie, two wrong ones are both bad.
    public func compare(prompt: String, redFlag: Bool?, a: String, b: String) -> Outcome {
        switch (judge(prompt: prompt, redFlag: redFlag, answer: a), judge(prompt: prompt, redFlag: redFlag, answer: b)) {
        case (true, false): .a
        case (false, true): .b
        case (true, true): .tie
        case (false, false): .bothBad
        }
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
        "seizure", "confused and feverish",
        "胸痛", "胸が痛", "冷や汗", "激しい頭痛", "突然の頭痛", "ろれつ", "顔の片側", "片側の手足", "息苦し", "呼吸が苦し",
        "意識を失", "失神", "吐血", "黒い便", "大量の出血", "首の硬直", "首が硬", "死にたい", "自殺", "アナフィラキシー",
        "喉の腫れ", "けいれん",
    ]

    public static func hasRedFlag(_ prompt: String) -> Bool {
        let text = prompt.lowercased()
        return redFlagMarkers.contains { text.contains($0) }
    }
}
