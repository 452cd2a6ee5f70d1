import FeedbackStore
import Foundation
import Testing
import Tokenizer
import Training
@testable import Loop

/// Severe harm, "both bad" and corrections as the night's training examples.
@Suite struct FeedbackSignalsTests {
    /// Two judged answers (one judged correct but rated severe harm; one incorrect with a
    /// correction), a "both bad" pair, and a pair one reviewer calls both bad and another prefers.
    static func store() throws -> (FeedbackStore, [String: Int64]) {
        let store = try FeedbackStore.inMemory()
        let one = try store.registerReviewer(name: "one"), two = try store.registerReviewer(name: "two")
        var ids: [String: Int64] = [:]
        for (i, text) in ["Stop warfarin before the dental visit.", "Take ibuprofen."].enumerated() {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "Question \(i)")], heldOutFraction: 0).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: text)
        }
        try store.enqueueJudgments(overlap: 1)
        var item = try #require(try store.nextItem(for: one))
        ids["severe"] = try store.recordJudgment(assignmentID: item.assignmentID, reviewer: one, verdict: .correct, harm: .severe, secondsSpent: 3).id
        item = try #require(try store.nextItem(for: one))
        ids["corrected"] = try store.recordJudgment(
            assignmentID: item.assignmentID, reviewer: one, verdict: .incorrect,
            details: JudgmentDetails(correction: "Take paracetamol; avoid ibuprofen with your kidney disease."), secondsSpent: 3).id
        for (i, overlap) in [1, 2].enumerated() {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "Pair \(i)")], heldOutFraction: 0).prompt
            let a = try store.addSample(promptID: prompt.id!, policy: "v1", text: "first \(i)")
            let b = try store.addSample(promptID: prompt.id!, policy: "v2", text: "second \(i)")
            try store.enqueuePair(sampleID: a.id!, otherSampleID: b.id!, overlap: overlap)
        }
        item = try #require(try store.nextItem(for: one))
        ids["bothBad"] = try store.recordComparison(assignmentID: item.assignmentID, reviewer: one, outcome: .bothBad, secondsSpent: 3).id
        item = try #require(try store.nextItem(for: one))
        ids["disputedBothBad"] = try store.recordComparison(assignmentID: item.assignmentID, reviewer: one, outcome: .bothBad, secondsSpent: 3).id
        item = try #require(try store.nextItem(for: two))
        ids["disputedA"] = try store.recordComparison(assignmentID: item.assignmentID, reviewer: two, outcome: .a, secondsSpent: 3).id
        return (store, ids)
    }

    static func text(_ messages: [Tokenizer.ChatMessage]) -> String { messages.map(\.content).joined() }

    @Test func severeHarmBothBadAndCorrectionsBecomeWeightedExamples() throws {
        let (store, ids) = try Self.store()
        let snapshot = try store.feedbackSnapshot(split: .train)
        let feedback = try NightlyFeedback(store: store, snapshot: snapshot)

        // Severe harm: undesirable although judged correct, weighted by the trainer's weight.
        let severe = try #require(feedback.judgmentIDs.firstIndex(of: .judgment(ids["severe"]!)))
        #expect(!feedback.judgments[severe].desirable && feedback.judgmentSevere[severe] && feedback.severeJudgments == 1)
        let weighted = feedback.weightedJudgments(severeWeight: 4)
        #expect(weighted.map(\.weight) == feedback.judgmentSevere.map { $0 ? 4.0 : 1.0 })

        // Both bad: both answers undesirable; the disputed pair gives neither.
        let negatives = feedback.judgmentIDs.indices.filter { feedback.judgmentIDs[$0] == .comparison(ids["bothBad"]!) }
        #expect(Set(negatives.map { Self.text(feedback.judgments[$0].completion) }) == ["first 0", "second 0"])
        #expect(negatives.allSatisfy { !feedback.judgments[$0].desirable } && feedback.bothBadNegatives == 2)
        #expect(!feedback.judgmentIDs.contains(.comparison(ids["disputedBothBad"]!)))

        // The correction: a pair (correction over the original) and a desirable example, both
        // from the judgment's row.
        let pair = try #require(feedback.pairIDs.firstIndex(of: .judgment(ids["corrected"]!)))
        #expect(Self.text(feedback.pairs[pair].chosen) == "Take paracetamol; avoid ibuprofen with your kidney disease.")
        #expect(Self.text(feedback.pairs[pair].rejected) == "Take ibuprofen.")
        let desirable = feedback.judgmentIDs.indices.filter { feedback.judgmentIDs[$0] == .judgment(ids["corrected"]!) && feedback.judgments[$0].desirable }
        #expect(desirable.count == 1 && feedback.correctionPairs == 1)

        // The manifest says how each signal was used.
        var config = NightlyConfig()
        config.signals.severeHarmKTOWeight = 6
        let entries = config.signals.manifestEntries(feedback)
        #expect(entries["severe_harm_kto_weight"] == "6.0" && entries["both_bad_negative_examples"] == "2" && entries["correction_pairs"] == "1")
        #expect(entries["corrections_use"]?.contains("dpo chosen") == true)
        // Rows by kind for the manifest: the correction's judgment and the both-bad comparison.
        let rows = FeedbackRow.split(feedback.judgmentIDs)
        #expect(rows.comparisons == [ids["bothBad"]!] && rows.judgments.contains(ids["corrected"]!))
    }

    @Test func signalsSwitchedOffLeaveThoseRowsOut() throws {
        let (store, ids) = try Self.store()
        var signals = FeedbackSignals()
        signals.bothBadAsNegatives = false
        signals.corrections = false
        let feedback = try NightlyFeedback(store: store, snapshot: try store.feedbackSnapshot(split: .train), signals: signals)
        #expect(feedback.bothBadNegatives == 0 && feedback.correctionPairs == 0)
        #expect(!feedback.pairIDs.contains(.judgment(ids["corrected"]!)))
        #expect(feedback.judgments.count == 2)
    }

    @Test func theWeightsAreReadFromTheConfigurationAndChecked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-signals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("nightly.json")
        try #"{"signals": {"severeHarmKTOWeight": 8, "bothBadAsNegatives": false}}"#.write(to: file, atomically: true, encoding: .utf8)
        let config = try NightlyConfig.load(file)
        #expect(config.signals.severeHarmKTOWeight == 8 && config.signals.severeHarmRewardWeight == 4 && !config.signals.bothBadAsNegatives)
        try #"{"signals": {"severeHarmRewardWeight": 0}}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: NightlyConfig.ConfigError.invalid(path: file.path, field: "signals.severeHarmRewardWeight",
                                                          reason: "must be a finite weight above 0 (1 = like any incorrect answer)")) {
            try NightlyConfig.load(file)
        }
        // The bundled configuration names the defaults.
        let bundled = try NightlyConfig.load(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("feedback/nightly.json"))
        #expect(bundled.signals == FeedbackSignals())
    }
}
