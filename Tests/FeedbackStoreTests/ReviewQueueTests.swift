import Foundation
import GRDB
import Testing
@testable import FeedbackStore

@Suite struct ReviewQueueTests {
    @Test(arguments: StoreKind.allCases)
    func eachItemGoesToKDifferentReviewersOnce(_ kind: StoreKind) throws {
        // Given one judgment item wanted from 2 reviewers, and three reviewers
        let store = try makeStore(kind)
        try seed(store, prompts: 1, policies: ["v1"])
        #expect(try store.enqueueJudgments(overlap: 2) == 1)
        let (r1, r2, r3) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"), store.registerReviewer(name: "r3"))

        // When each asks for work
        let i1 = try #require(try store.nextItem(for: r1))
        let i2 = try #require(try store.nextItem(for: r2))
        let i3 = try store.nextItem(for: r3)

        // Then the first two share the item on separate assignments and the third gets nothing
        #expect(i1.itemID == i2.itemID && i1.assignmentID != i2.assignmentID)
        #expect(i3 == nil)
        // And asking again resumes the same open assignment
        #expect(try store.nextItem(for: r1)?.assignmentID == i1.assignmentID)
        // And once rated, the reviewer never gets that item again
        try store.recordJudgment(assignmentID: i1.assignmentID, reviewer: r1, verdict: .correct, secondsSpent: 12)
        #expect(try store.nextItem(for: r1) == nil)
        #expect(try store.queueCounts().open == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func everyNewVersionMeetsTheBaselineHeadToHead(_ kind: StoreKind) throws {
        // Given v2 already compared with production on 3 prompts, then v3 answers the same prompts twice
        let store = try makeStore(kind)
        let samples = try seed(store, prompts: 3, policies: ["production", "v2"])
        #expect(try store.enqueuePairs(newPolicy: "v2", baselinePolicy: "production", overlap: 1) == 3)
        for (i, row) in samples.enumerated() {
            for k in 0..<2 { try store.addSample(promptID: row[0].promptID, policy: "v3", text: "v3 の回答 \(i)-\(k)") }
        }
        // Then each of v3's answers is paired with production's (reused) answer, once
        #expect(try store.enqueuePairs(newPolicy: "v3", baselinePolicy: "production", overlap: 1) == 6)
        #expect(try store.enqueuePairs(newPolicy: "v3", baselinePolicy: "production", overlap: 1) == 0)
        let production = Set(samples.map { $0[0].id! })
        let pairs = try store.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT other_sample_id FROM review_items WHERE kind = 'comparison' AND id > 3")
        }
        #expect(pairs.count == 6 && pairs.allSatisfy { production.contains($0[0]) })
    }

    @Test(arguments: StoreKind.allCases)
    func pairsAreShownInAStoredRandomOrder(_ kind: StoreKind) throws {
        // Given 40 prompts answered by a new and a baseline policy, paired head to head
        let store = try makeStore(kind)
        let samples = try seed(store, prompts: 40, policies: ["new", "base"])
        #expect(try store.enqueuePairs(newPolicy: "new", baselinePolicy: "base", overlap: 1) == 40)
        #expect(try store.enqueuePairs(newPolicy: "new", baselinePolicy: "base", overlap: 1) == 0)
        let reviewer = try store.registerReviewer(name: "sato", displayName: "佐藤")
        let newIDs = Set(samples.map { $0[0].id! })

        // When the reviewer always prefers the answer shown as A
        var newShownFirst = 0
        while let item = try store.nextItem(for: reviewer) {
            guard case .compare(let a, let b) = item.content else { Issue.record("expected a pair"); return }
            #expect(a.promptID == item.prompt.id && b.promptID == item.prompt.id && a.policyID != b.policyID)
            if newIDs.contains(a.id!) { newShownFirst += 1 }
            let comparison = try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: .a, secondsSpent: 3)
            // Then the stored outcome names the sample that was on the left
            #expect(comparison.winnerSampleID == a.id && comparison.sampleBID == b.id)
        }
        // And the side mapping varies (40 fair coin flips all equal has odds 2^-39)
        #expect(newShownFirst > 0 && newShownFirst < 40)
    }

    @Test(arguments: StoreKind.allCases)
    func skipGivesTheSlotToSomeoneElse(_ kind: StoreKind) throws {
        // Given one item wanted once, claimed by r1
        let store = try makeStore(kind)
        try seed(store, prompts: 1, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let (r1, r2) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"))
        let item = try #require(try store.nextItem(for: r1))
        #expect(try store.nextItem(for: r2) == nil)

        // When r1 skips it
        try store.skip(assignmentID: item.assignmentID, reviewer: r1, reason: "outside my specialty")

        // Then r2 gets it, r1 never again, and r1 cannot rate the skipped assignment
        #expect(try store.nextItem(for: r2)?.itemID == item.itemID)
        #expect(try store.nextItem(for: r1) == nil)
        #expect(throws: FeedbackStoreError.assignmentNotOpen(assignment: item.assignmentID, state: "skipped")) {
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r1, verdict: .correct, secondsSpent: 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func undoRetractsAndReopensForTheSameReviewer(_ kind: StoreKind) throws {
        // Given a reviewer who rated two items, a minute apart
        let clock = TestClock()
        let store = try makeStore(kind, clock: clock)
        try seed(store, prompts: 3, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let r = try store.registerReviewer(name: "tanaka")
        let first = try #require(try store.nextItem(for: r))
        let j1 = try store.recordJudgment(assignmentID: first.assignmentID, reviewer: r, verdict: .correct, secondsSpent: 5)
        clock.advance(60)
        let second = try #require(try store.nextItem(for: r))
        let j2 = try store.recordJudgment(
            assignmentID: second.assignmentID, reviewer: r, verdict: .incorrect, harm: .moderate,
            tags: ["dosage"], comment: "用量が多すぎる", secondsSpent: 30)
        clock.advance(60)

        // When they undo twice
        let u1 = try #require(try store.undoLast(reviewer: r))
        clock.advance(1)
        let u2 = try #require(try store.undoLast(reviewer: r))

        // Then the ratings are withdrawn newest first by retraction rows
        #expect(u1.ratingID == j2.id && u2.ratingID == j1.id)
        #expect(try store.undoLast(reviewer: r) == nil)
        let rows = try store.reader.read { db in try Judgment.order(Judgment.Columns.id).fetchAll(db) }
        #expect(rows.count == 4 && rows[2].retracted && rows[2].supersedesID == j2.id && rows[1].verdict == .incorrect)
        // And the assignments come back like a stack, the last undone first
        #expect(try store.nextItem(for: r)?.assignmentID == first.assignmentID)
        try store.recordJudgment(assignmentID: first.assignmentID, reviewer: r, verdict: .incorrect, secondsSpent: 8)
        #expect(try store.nextItem(for: r)?.assignmentID == second.assignmentID)
        // And only ratings that still count are in the day's progress
        let progress = try store.progress(reviewer: r, since: Date(timeIntervalSince1970: 0))
        #expect(progress == ReviewProgress(doneToday: 1, remaining: 2))
    }

    @Test(arguments: StoreKind.allCases)
    func ratingTablesRefuseUpdatesAndDeletes(_ kind: StoreKind) throws {
        // Given one recorded judgment and one skip
        let store = try makeStore(kind)
        try seed(store, prompts: 2, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let r = try store.registerReviewer(name: "r")
        let item = try #require(try store.nextItem(for: r))
        let judgment = try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .correct, secondsSpent: 1)
        try store.skip(assignmentID: try #require(try store.nextItem(for: r)).assignmentID, reviewer: r)

        // When SQL tries to rewrite or delete it, Then the triggers abort
        for sql in ["UPDATE judgments SET verdict = 'incorrect'", "DELETE FROM judgments", "DELETE FROM skips",
                    "UPDATE skips SET reason = 'x'"] {
            #expect(throws: DatabaseError.self) { try writeRaw(store, sql) }
        }
        // And a supersede by another reviewer is refused too
        let other = try store.registerReviewer(name: "other")
        #expect(throws: DatabaseError.self) {
            try writeRaw(store, """
                INSERT INTO judgments (sample_id, reviewer_id, verdict, seconds_spent, created_at, supersedes_id)
                VALUES (\(item.samples[0].id!), \(other.id!), 'incorrect', 1, '2027-01-01', \(judgment.id!))
                """)
        }
        #expect(try store.reader.read { db in try Judgment.fetchCount(db) } == 1)
    }

    @Test func databaseFilesAreOwnerOnly() throws {
        // Given a new database file in a new folder
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("feedback/rounds.sqlite").path
        let store = try FeedbackStore(path: path)
        try seed(store, prompts: 1, policies: ["v1"])

        // Then the database, its WAL and SHM files are 0600 and the folder is 0700
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(file) has mode \(String(mode, radix: 8))")
        }
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("feedback").path)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
    }

    @Test func concurrentClaimsNeverShareASlot() async throws {
        // Given 200 items wanted twice and 6 reviewers on one file, each with its own
        // connection pool (as separate processes would be)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("rounds.sqlite").path
        let setup = try FeedbackStore(path: path)
        try seed(setup, prompts: 200, policies: ["v1"])
        try setup.enqueueJudgments(overlap: 2)
        let names = (0..<6).map { "r\($0)" }
        for name in names { try setup.registerReviewer(name: name) }

        // When all rate as fast as they can at once
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for name in names {
                group.addTask {
                    let store = try FeedbackStore(path: path)
                    let me = try #require(try store.reviewer(named: name))
                    var n = 0
                    while let item = try store.nextItem(for: me) {
                        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: me, verdict: .correct, secondsSpent: 1)
                        n += 1
                    }
                    return n
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }

        // Then exactly 400 ratings exist, each item rated by two different reviewers
        #expect(counts.reduce(0, +) == 400)
        let perItem = try setup.reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT COUNT(*) AS n, COUNT(DISTINCT j.reviewer_id) AS d FROM judgments j
                JOIN review_assignments a ON a.id = j.assignment_id GROUP BY a.item_id
                """)
        }
        #expect(perItem.count == 200 && perItem.allSatisfy { $0["n"] == 2 && $0["d"] == 2 })
    }
}

/// Runs raw SQL through a store's writer (tests of the triggers only).
func writeRaw(_ store: FeedbackStore, _ sql: String) throws {
    try store.rawWrite { db in try db.execute(sql: sql) }
}
