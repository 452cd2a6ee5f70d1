import FeedbackStore
import Foundation
import GRDB
import Testing
@testable import Review

/// One reviewer with two review sessions open (two terminals): `u` in one withdraws only
/// what that session rated.
@Suite struct ReviewUndoSessionsTests {
    func session(_ store: FeedbackStore) throws -> ReviewSession {
        ReviewSession(backend: try StoreReviewBackend(store: store, reviewer: "tanaka"), reviewer: "田中",
                      guidelines: Guidelines(path: "g.md", markdown: ""))
    }

    func liveVerdicts(_ store: FeedbackStore) throws -> [Int64: String] {
        try store.reader.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.item_id, j.verdict FROM judgments j JOIN review_assignments a ON a.id = j.assignment_id
                WHERE j.retracted = 0 AND NOT EXISTS (SELECT 1 FROM judgments x WHERE x.supersedes_id = j.id)
                """)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as Int64, $0[1] as String) })
        }
    }

    @Test func undoInTheSecondSessionLeavesTheFirstSessionsRating() throws {
        // Given three answers and tanaka's first session rating the first one correct
        let store = try FeedbackStore.inMemory()
        try store.registerReviewer(name: "tanaka", displayName: "田中")
        for i in 0..<3 {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i)")]).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "回答 \(i)")
        }
        try store.enqueueJudgments(overlap: 1)
        let first = try session(store)
        try first.start()
        let rated = try #require(first.state.card).itemNumber
        _ = try first.handle(.char("c"))
        #expect(try liveVerdicts(store) == [rated: "correct"])

        // When a second session of the same reviewer starts and presses u before rating anything
        let second = try session(store)
        try second.start()
        _ = try second.handle(.char("u"))

        // Then the first session's rating still counts, and the second says there is nothing to undo
        #expect(try liveVerdicts(store) == [rated: "correct"])
        #expect(second.state.message == "Nothing to undo.")

        // When the second session rates an item and undoes, Then only its own rating goes
        let secondItem = try #require(second.state.card).itemNumber
        _ = try second.handle(.char("x"))
        #expect(try liveVerdicts(store) == [rated: "correct", secondItem: "incorrect"])
        _ = try second.handle(.char("u"))
        #expect(try liveVerdicts(store) == [rated: "correct"])
        _ = try second.handle(.char("u"))
        #expect(try liveVerdicts(store) == [rated: "correct"])

        // And the first session can still undo its own
        _ = try first.handle(.char("u"))
        #expect(try liveVerdicts(store).isEmpty)
    }

    @Test func undoLastAmongAssignmentsIgnoresOthers() throws {
        // Given two judgments by one reviewer, the later one outside the given set
        let store = try FeedbackStore.inMemory()
        let r = try store.registerReviewer(name: "tanaka")
        for i in 0..<2 {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i)")]).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "回答 \(i)")
        }
        try store.enqueueJudgments(overlap: 1)
        var assignments: [Int64] = []
        while let item = try store.nextItem(for: r) {
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .correct, secondsSpent: 1)
            assignments.append(item.assignmentID)
        }
        // Then undo among the first withdraws the first; among nothing, nothing
        #expect(try store.undoLast(reviewer: r, among: []) == nil)
        #expect(try store.undoLast(reviewer: r, among: [assignments[0]])?.assignmentID == assignments[0])
        #expect(try store.undoLast(reviewer: r, among: [assignments[0]]) == nil)
        #expect(try store.undoLast(reviewer: r)?.assignmentID == assignments[1])
    }
}
