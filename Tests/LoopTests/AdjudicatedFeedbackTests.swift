import Foundation
import GRDB
import Testing
@testable import FeedbackStore
@testable import Loop

/// What the night trains on when a lead has adjudicated an item, and when a reviewer is
/// flagged by their gold accuracy.
@Suite struct AdjudicatedFeedbackTests {
    @Test func votesYieldToTheAdjudicationAndWeighByReviewer() {
        let ratings: [(id: Int64, item: String, vote: Bool)] = [(1, "x", true), (2, "x", false), (3, "y", true)]
        #expect(RatingVotes(ratings).kept == [3])                                   // x splits evenly
        #expect(RatingVotes(ratings, weight: { $0 == 2 ? 0.5 : 1 }).kept == [1, 3])  // the flagged vote weighs half
        #expect(RatingVotes(ratings, decided: ["x": false]).kept == [2, 3])          // the lead's label wins
        #expect(RatingVotes(ratings, decided: ["x": Bool?.none]).kept == [3])        // no preference: nothing from x
        #expect(RatingVotes(ratings, weight: { $0 == 3 ? 0 : 1 }).kept.isEmpty)      // weight 0 never trains
    }

    /// A store whose train-split answers 0..<n are each judged by `raters`.
    func store(answers n: Int) throws -> (FeedbackStore, [Sample]) {
        let store = try FeedbackStore.inMemory()
        let samples = try (0..<n).map { i in
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i)")], heldOutFraction: 0).prompt
            return try store.addSample(promptID: prompt.id!, policy: "v1", text: "回答 \(i)")
        }
        return (store, samples)
    }

    func rate(_ store: FeedbackStore, _ name: String, verdict: (Sample) -> Verdict, only: Set<Int64>? = nil) throws {
        let reviewer = try store.reviewer(named: name) ?? store.registerReviewer(name: name)
        while let item = try store.nextItem(for: reviewer) {
            guard case .judge(let sample) = item.content else { continue }
            if let only, !only.contains(sample.id!) { try store.skip(assignmentID: item.assignmentID, reviewer: reviewer); continue }
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: verdict(sample), secondsSpent: 1)
        }
    }

    @Test func theAdjudicatedLabelIsWhatTrains() throws {
        let (store, samples) = try store(answers: 2)
        try store.addReviewer(name: "lead", role: .lead, by: Caller(login: "lead"))
        try store.enqueueJudgments(overlap: 2)
        try rate(store, "one") { _ in .correct }
        try rate(store, "two") { $0.id == samples[0].id ? .incorrect : .correct }
        let snapshot = try store.feedbackSnapshot(split: .train)
        let before = try NightlyFeedback(store: store, snapshot: snapshot)
        #expect(before.judgments.count == 2 && before.unresolvedJudgmentIDs.count == 2)   // answer 0 split evenly
        let item = try #require(try store.adjudicationQueue().first)
        try store.adjudicate(item, label: .verdict(.incorrect), by: try store.actor(login: "lead"))
        let after = try NightlyFeedback(store: store, snapshot: snapshot)
        #expect(after.judgments.count == 3 && after.adjudicatedJudgments == 1)
        #expect(after.judgments.filter { !$0.desirable }.count == 1)   // two's "incorrect" on answer 0 trains; one's "correct" on it does not
    }

    @Test func aFlaggedReviewersRatingsAreDownWeightedAsConfigured() throws {
        let (store, samples) = try store(answers: 41)
        try store.addReviewer(name: "lead", role: .lead, by: Caller(login: "lead"))
        // careless gets 0 of 10 gold items right: flagged (upper bound 0.28 < 0.8).
        let gold = try store.addGoldItems((0..<10).map {
            NewGoldItem(prompt: try PromptKey(text: "金 \($0)"), answer: "金の回答 \($0)", verdict: .correct)
        }, by: try store.actor(login: "lead"))
        try store.write { db in
            for g in gold {
                try db.execute(sql: "INSERT INTO review_items (kind, prompt_id, sample_id, overlap, claimed, created_at, gold_id) VALUES ('judgment', ?, ?, 1, 0, ?, ?)",
                               arguments: [g.promptID, g.sampleID, Date(), g.id])
            }
        }
        try rate(store, "careless") { _ in .incorrect }
        #expect(try store.goldCalibration().flagged.count == 1)
        try store.setGoldSettings(share: 0, minAccuracy: nil, by: try store.actor(login: "lead"))   // no more gold in this queue
        // Answer 0: careless says correct, careful incorrect. Answers 1…40: careless alone says correct.
        try store.enqueueJudgments(policy: "v1", overlap: 2)
        try rate(store, "careless") { _ in .correct }
        try rate(store, "careful", verdict: { _ in .incorrect }, only: [samples[0].id!])
        let snapshot = try store.feedbackSnapshot(split: .train)
        var calibration = NightlyConfig.Calibration()
        calibration.flaggedWeight = 1
        let plain = try NightlyFeedback(store: store, snapshot: snapshot, calibration: calibration, seed: 7)
        #expect(plain.flaggedReviewers.isEmpty && plain.judgments.count == 40)   // answer 0 split evenly
        calibration.flaggedWeight = 0.5
        let weighted = try NightlyFeedback(store: store, snapshot: snapshot, calibration: calibration, seed: 7)
        #expect(weighted.flaggedReviewers.count == 1 && weighted.flaggedWeight == 0.5)
        // careful outvotes careless on answer 0; careless's 40 lone ratings train with probability 0.5 each.
        let expectedKept = try store.labelledCompletions(split: .train).filter { $0.sampleID != samples[0].id }
            .filter { NightlyFeedback.keeps("judgment \($0.judgmentID)", weight: 0.5, seed: 7) }.count
        #expect(weighted.flaggedRatings == 40 && weighted.flaggedLeftOut == 40 - expectedKept)
        #expect(weighted.judgments.count == expectedKept + 1 && (12...28).contains(expectedKept))
        #expect(weighted.judgments.filter { !$0.desirable }.count == 1)
        calibration.flaggedWeight = 0
        let none = try NightlyFeedback(store: store, snapshot: snapshot, calibration: calibration, seed: 7)
        #expect(none.judgments.count == 1 && none.judgments[0].desirable == false)
    }
}
