import FeedbackStore
import Foundation
import Synchronization
import Testing
@testable import Loop
@testable import RoundsSimulation

/// The simulated clinician's correction of a triage answer: the disposition is rewritten, the
/// rest of the answer kept, and the result satisfies the rule the verdict came from.
struct TriageCorrectionTests {
    let rule = ScriptedReviewer.triageRule()

    @Test func aRedFlagAnswerGetsTheEmergencyDispositionFirst() throws {
        let prompt = "My chest pain spreads to my left arm and I am sweating."
        let answer = "Urgency: Self-care at home.\nWhy: It is probably muscular."
        let fixed = try #require(TriageCorrection.corrected(prompt: prompt, redFlag: true, answer: answer))
        #expect(fixed == TriageCorrection.emergency.en + "\nWhy: It is probably muscular.")
        #expect(!rule.judge(prompt: prompt, redFlag: true, answer: answer) && rule.judge(prompt: prompt, redFlag: true, answer: fixed))
        // No disposition line: one is put first and the answer kept under it.
        let bare = try #require(TriageCorrection.corrected(prompt: prompt, redFlag: true, answer: "Rest and drink water."))
        #expect(bare == TriageCorrection.emergency.en + "\nRest and drink water.")
    }

    @Test func aBenignAnswerLosesWhatSendsItToEmergencyCare() throws {
        let prompt = "しゃっくりが1時間止まりません。"
        let answer = "緊急度：救急。\n理由：しゃっくりは自然に止まります。念のため救急外来へ行ってください。水を飲んでください。"
        let fixed = try #require(TriageCorrection.corrected(prompt: prompt, redFlag: false, answer: answer))
        #expect(fixed == "緊急度：自宅でのセルフケア。\n理由：しゃっくりは自然に止まります。水を飲んでください。")
        #expect(rule.judge(prompt: prompt, redFlag: false, answer: fixed))
        // English, one line, the emergency sentence in the middle, no disposition line.
        let english = try #require(TriageCorrection.corrected(
            prompt: "I have hiccups.", redFlag: false, answer: "Hold your breath. Go to the emergency room if worried. Sip cold water."))
        #expect(english == "Hold your breath. Sip cold water.")
        let line = try #require(TriageCorrection.corrected(
            prompt: "I have hiccups.", redFlag: false, answer: "Urgency: Emergency room now.\nHold your breath."))
        #expect(line == "Urgency: Self-care at home.\nHold your breath.")
        // Nothing left once the emergency sentences are struck: no correction.
        #expect(TriageCorrection.corrected(prompt: "I have hiccups.", redFlag: false, answer: "Call 999.") == nil)
    }

    @Test func nothingToCorrectGivesNil() {
        #expect(TriageCorrection.corrected(prompt: "I have hiccups.", redFlag: false, answer: "Sip cold water.") == nil)
        #expect(TriageCorrection.corrected(prompt: "Chest pain.", redFlag: true, answer: "Call 999 now.") == nil)
        #expect(TriageCorrection.corrected(prompt: "Summarise the letter.", redFlag: nil, answer: "Done.") == nil)
        #expect(TriageCorrection.corrected(prompt: "Chest pain.", redFlag: true, answer: "  \n ") == nil)
    }

    /// Reviewers correct the share of their incorrect verdicts asked for, and only answers the
    /// rule finds wrong; the verdicts are the same with and without corrections.
    @Test func simulatedReviewersCorrectAShareOfTheirIncorrectVerdicts() throws {
        func reviewed(share: Double) throws -> (FeedbackStore, (judgments: Int, comparisons: Int, corrections: Int)) {
            // A seeded store hands out the queue in the same order every time.
            let generator = Mutex(SeededGenerator(seed: 7))
            let store = try FeedbackStore.inMemory(random: { generator.withLock { $0.next() } })
            for i in 0..<20 {
                let prompt = try store.addPrompt(
                    messages: [ChatMessage(role: "user", content: "Sudden severe headache and a stiff neck, case \(i).")], heldOutFraction: 0).prompt
                try store.addSample(promptID: prompt.id!, policy: "v1", text: i % 2 == 0 ? "Call 999 now." : "Rest at home. Drink water.")
            }
            try store.enqueueJudgments(overlap: 2)
            var review = SimulatedReview()
            (review.reviewers, review.noise, review.everyReviewerFlips, review.interleaved) = (3, 0.12, true, true)
            review.correctionShare = share
            return (store, try review.run(store: store))
        }
        let (plain, none) = try reviewed(share: 0)
        let (store, all) = try reviewed(share: 1)
        let (_, half) = try reviewed(share: 0.5)
        #expect(none.judgments == 40 && all.judgments == 40 && none.corrections == 0)
        // (Reviewers are stored under pseudonyms that differ from store to store.)
        let verdicts = { (s: FeedbackStore) in try s.labelledCompletions(split: .train).map { "\($0.sampleID) \($0.label)" }.sorted() }
        let (a, b) = (try verdicts(plain), try verdicts(store))
        #expect(a == b)
        let records = try store.correctionRecords(split: .train)
        #expect(records.count == all.corrections)
        // Every answer of the rule's wrong kind judged incorrect is corrected (flipped verdicts on
        // right answers have nothing to correct), and the corrections satisfy the rule.
        let wrongJudgedIncorrect = try store.labelledCompletions(split: .train).filter { !$0.label && $0.completion.hasPrefix("Rest") }.count
        #expect(all.corrections == wrongJudgedIncorrect && wrongJudgedIncorrect >= 15)
        for r in records {
            #expect(r.original.hasPrefix("Rest") && rule.judge(prompt: "stiff neck", redFlag: true, answer: r.corrected))
            #expect(r.corrected == TriageCorrection.emergency.en + "\nRest at home. Drink water.")
        }
        #expect(half.corrections > 0 && half.corrections < all.corrections)
    }
}
