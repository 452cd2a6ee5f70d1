import Foundation
import GRDB
import Testing
@testable import FeedbackStore

@Suite struct AdjudicationTests {
    /// Two reviewers rate every queued item: judgments of answers 0 and 1 (they disagree on 1)
    /// and one pair (they disagree).
    func disagreeing() throws -> (FeedbackStore, Caller) {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store)
        let samples = try seed(store, prompts: 2, policies: ["v1", "v2"])
        try store.enqueueJudgments(policy: "v1", overlap: 2)
        try store.enqueuePair(sampleID: samples[0][0].id!, otherSampleID: samples[0][1].id!, overlap: 2)
        for (name, verdicts, outcome) in [("tanaka", [Verdict.correct, .correct], Outcome.a), ("sato", [.correct, .incorrect], .b)] {
            let reviewer = try store.registerReviewer(name: name, displayName: name == "sato" ? "佐藤 一郎" : nil)
            var verdictIndex = 0
            while let item = try store.nextItem(for: reviewer) {
                if item.kind == .judgment {
                    try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: verdicts[verdictIndex],
                                             harm: verdictIndex == 1 && name == "sato" ? .moderate : nil, comment: name == "sato" ? "用量が誤り" : nil,
                                             secondsSpent: 3)
                    verdictIndex += 1
                } else {
                    // Outcomes as shown; normalise so both speak of the same answers: tanaka prefers v1, sato v2.
                    let aIsV1 = item.samples[0].policyID == samples[0][0].policyID
                    let wantV1 = outcome == .a
                    try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: wantV1 == aIsV1 ? .a : .b, secondsSpent: 4)
                }
            }
        }
        return (store, lead)
    }

    @Test func disagreementsQueueWithEveryRatingSideBySide() throws {
        let (store, _) = try disagreeing()
        let queue = try store.adjudicationQueue()
        #expect(queue.map(\.kind) == [.judgment, .comparison])
        let judgment = queue[0]
        #expect(judgment.texts == ["v1 の回答 1"])
        #expect(judgment.ratings.map(\.label) == ["correct", "incorrect"])
        #expect(judgment.ratings[1].reviewer == "佐藤 一郎" && judgment.ratings[1].harm == .moderate && judgment.ratings[1].comment == "用量が誤り")
        // The pair is shown first = lower sample id (v1's answer): tanaka A, sato B, whatever sides they saw.
        #expect(queue[1].texts == ["v1 の回答 0", "v2 の回答 0"])
        #expect(queue[1].ratings.map(\.label) == ["A", "B"])
        let summary = try store.adjudicationSummary()
        #expect(summary.multiplyRated == 3 && summary.agreed == 1 && summary.disagreements == 2 && summary.pending == 2)
        #expect(abs(summary.agreementRate! - 1.0 / 3.0) < 1e-12)
    }

    @Test func theLeadsLabelIsRecordedBesideTheRatings() throws {
        let (store, lead) = try disagreeing()
        let queue = try store.adjudicationQueue()
        #expect(throws: AccessError.self) { try store.adjudicate(queue[0], label: .verdict(.incorrect), by: try store.actor(login: "tanaka")) }
        try store.adjudicate(queue[0], label: .verdict(.incorrect), by: lead, reason: "dose is wrong")
        try store.adjudicate(queue[1], label: .preference(.second), by: lead)
        let labels = try store.adjudicatedLabels()
        #expect(labels.judgments == [queue[0].sampleIDs[0]: .incorrect])
        #expect(labels.pairs == [SamplePair(queue[1].sampleIDs[0], queue[1].sampleIDs[1]): .second])
        #expect(try store.adjudicationQueue().isEmpty)
        let summary = try store.adjudicationSummary()
        #expect(summary.adjudicated == 2 && summary.pending == 0 && summary.agreed == 1)
        // The reviewers' ratings are untouched: 4 judgments and 2 comparisons still count.
        #expect(try store.labelledCompletions(split: .all).count == 4 && store.comparisonRecords(split: .all).count == 2)
        // A second look supersedes the first; the table refuses rewrites.
        try store.adjudicate(queue[0], label: .verdict(.correct), by: lead)
        #expect(try store.adjudicatedLabels().judgments[queue[0].sampleIDs[0]] == .correct)
        #expect(throws: DatabaseError.self) { try store.write { db in try db.execute(sql: "DELETE FROM adjudications") } }
        #expect(try store.auditEntries(action: .adjudicate).count == 3)
    }
}
