import Foundation
import Testing
@testable import FeedbackStore

/// The blind A/B record of one policy against another, as the promotion decision reads it.
@Suite struct HeadToHeadTests {
    @Test func outcomesAreSeenFromThePolicysSideAndUndoneRatingsDoNotCount() throws {
        let clock = TestClock()
        let store = try makeStore(.inMemory, clock: clock)
        try seed(store, prompts: 5, policies: ["v1", "v2"])
        try store.enqueuePairs(newPolicy: "v2", baselinePolicy: "v1", overlap: 2)
        let tanaka = try store.registerReviewer(name: "tanaka"), sato = try store.registerReviewer(name: "sato")
        let v2 = try #require(try store.policy(named: "v2")?.id)
        // tanaka: v2 wins, loses, ties, both bad, then wins the fifth but takes it back.
        for wanted in ["win", "loss", "tie", "both_bad", "win"] {
            clock.advance(10)
            let item = try #require(try store.nextItem(for: tanaka, kinds: [.comparison]))
            guard case let .compare(a, _) = item.content else { Issue.record("expected a pair"); return }
            let v2IsA = a.policyID == v2
            let outcome: Outcome = switch wanted {
            case "win": v2IsA ? .a : .b
            case "loss": v2IsA ? .b : .a
            case "tie": .tie
            default: .bothBad
            }
            try store.recordComparison(assignmentID: item.assignmentID, reviewer: tanaka, outcome: outcome, secondsSpent: 3)
        }
        try store.undoLast(reviewer: tanaka)
        // sato rates the first pair again (the other way): a second rating of a counted pair.
        clock.advance(10)
        let again = try #require(try store.nextItem(for: sato, kinds: [.comparison]))
        try store.recordComparison(assignmentID: again.assignmentID, reviewer: sato, outcome: .tie, secondsSpent: 3)

        let record = try store.headToHead(policy: "v2", against: "v1")
        #expect(record.pairs.map(\.result) == [.win, .loss, .tie, .tie])
        #expect((record.wins, record.ties, record.losses) == (1, 2, 1))
        #expect(record.ratings == 5 && record.queuedPairs == 5)
        let mirror = try store.headToHead(policy: "v1", against: "v2")
        #expect(mirror.pairs.map(\.result) == [.loss, .win, .tie, .tie])
        #expect(try store.headToHead(policy: "v2", against: "nobody").pairs.isEmpty)
    }

    @Test func severeHarmRatingsOfAPolicysAnswersStillCounting() throws {
        let store = try makeStore(.inMemory)
        try seed(store, prompts: 3, policies: ["v1", "v2"])
        try store.enqueueJudgments(policy: "v2", overlap: 1)
        let tanaka = try store.registerReviewer(name: "tanaka")
        var ids: [Int64] = []
        for harm in [HarmLevel.severe, .moderate, .severe] {
            let item = try #require(try store.nextItem(for: tanaka, kinds: [.judgment]))
            ids.append(try store.recordJudgment(assignmentID: item.assignmentID, reviewer: tanaka, verdict: .incorrect, harm: harm, secondsSpent: 2).id!)
        }
        #expect(try store.judgmentIDs(policy: "v2", harm: .severe) == [ids[0], ids[2]])
        try store.undoLast(reviewer: tanaka)  // the last severe rating is withdrawn
        #expect(try store.judgmentIDs(policy: "v2", harm: .severe) == [ids[0]])
        #expect(try store.judgmentIDs(policy: "v1", harm: .severe).isEmpty)
    }
}
