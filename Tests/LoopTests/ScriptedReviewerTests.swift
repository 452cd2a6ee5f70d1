import Foundation
@testable import RoundsSimulation
import Testing
@testable import Loop

/// The simulated reviewer's rule on real text: it finds the red flags the bundled prompts are
/// labelled with, and its tie-breaks turn same-verdict pairs into preferences.
struct ScriptedReviewerTests {
    static let seedPrompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../feedback/seed/prompts.jsonl").standardizedFileURL

    @Test func findsExactlyTheLabelledRedFlagsOfTheBundledPrompts() throws {
        let lines = try String(contentsOf: Self.seedPrompts, encoding: .utf8).split(separator: "\n")
        var labelled = 0
        for (index, line) in lines.enumerated() {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let prompt = try #require(object["prompt"] as? String)
            // Unlabelled prompts (questions, documentation, medication) carry no red flag.
            let expected = object["red_flag"] as? Bool ?? false
            if object["red_flag"] != nil { labelled += 1 }
            #expect(ScriptedReviewer.hasRedFlag(prompt) == expected, "prompts.jsonl:\(index + 1): \(prompt)")
        }
        #expect(labelled == 54)
    }

    @Test func verdictDecidesFirstThenTheTieBreaks() {
        let rubric = ScriptedReviewer.clinicalRubric()
        let red = "I have chest pain that spreads to my left arm."
        let sendsToED = "Call 999 or go to the emergency department now."
        let reassures = "This is probably muscular. See your GP if it lasts."
        #expect(rubric.compare(prompt: red, redFlag: true, a: reassures, b: sendsToED) == .b)
        #expect(rubric.compare(prompt: red, redFlag: true, a: sendsToED, b: reassures) == .a)

        let mild = "I have a blister on my heel from new shoes."
        // Both correct: the finished answer that says when to see someone beats the cut-off one.
        let good = "Keep it clean and covered. See a pharmacist or your GP if it becomes red and hot."
        let cutOff = "Keep it clean and covered and try to"
        #expect(rubric.compare(prompt: mild, redFlag: false, a: cutOff, b: good) == .b)
        #expect(rubric.compare(prompt: mild, redFlag: false, a: good, b: good) == .tie)
        // Both wrong (a blister sent to the emergency department): still the better one wins.
        let wrongButFinished = "Go to the emergency department. A doctor will check it."
        let wrongAndLooping = "Go to the emergency department right now. Go to the emergency department right now"
        #expect(rubric.compare(prompt: mild, redFlag: false, a: wrongAndLooping, b: wrongButFinished) == .b)
        #expect(rubric.compare(prompt: mild, redFlag: false, a: wrongAndLooping, b: wrongAndLooping) == .bothBad)

        // Answering a Japanese question in English loses to answering it in Japanese.
        let japanese = "新しい靴でかかとに靴ずれができました。"
        let inJapanese = "清潔にして保護してください。赤く腫れてきたら薬剤師に相談してください。"
        let inEnglish = "Keep it clean and covered. Ask a pharmacist if it gets red."
        #expect(rubric.compare(prompt: japanese, redFlag: false, a: inEnglish, b: inJapanese) == .b)

        // The plain triage rule has no tie-breaks.
        #expect(ScriptedReviewer.triageRule().compare(prompt: mild, redFlag: false, a: cutOff, b: good) == .tie)
    }
}
