import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// Claims that lapse or are released, and the kept counts behind `progress`.
@Suite struct ClaimTests {
    static let lifetime: TimeInterval = 600

    static func store(_ kind: StoreKind, _ clock: TestClock, items: Int, overlap: Int) throws -> FeedbackStore {
        let store: FeedbackStore
        switch kind {
        case .inMemory: store = try FeedbackStore.inMemory(claimLifetime: lifetime, now: { clock.now })
        case .onDisk:
            let path = try temporaryFolder().appendingPathComponent("rounds.sqlite").path
            store = try FeedbackStore(path: path, claimLifetime: lifetime, now: { clock.now })
        }
        try seed(store, prompts: items, policies: ["v1"])
        try store.enqueueJudgments(overlap: overlap)
        return store
    }

    @Test(arguments: StoreKind.allCases)
    func aVanishedReviewersClaimGoesToTheNextReviewerAfterItsLifetime(_ kind: StoreKind) throws {
        // Given one item wanted once, claimed by r1 who then disappears
        let clock = TestClock()
        let store = try Self.store(kind, clock, items: 1, overlap: 1)
        let (r1, r2) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"))
        let held = try #require(try store.nextItem(for: r1))

        // When r2 asks just before the claim lapses, Then there is nothing for them
        clock.advance(Self.lifetime - 1)
        #expect(try store.nextItem(for: r2) == nil)
        // When r2 asks once it has lapsed, Then r2 gets the item on a new assignment
        clock.advance(2)
        let taken = try #require(try store.nextItem(for: r2))
        #expect(taken.itemID == held.itemID && taken.assignmentID != held.assignmentID)

        // And r1 coming back late cannot rate or skip it: the slot is r2's
        let lapsed = FeedbackStoreError.claimLapsed(assignment: held.assignmentID, minutes: 10)
        #expect(throws: lapsed) {
            try store.recordJudgment(assignmentID: held.assignmentID, reviewer: r1, verdict: .correct, secondsSpent: 700)
        }
        #expect(throws: lapsed) { try store.skip(assignmentID: held.assignmentID, reviewer: r1) }
        #expect(try store.nextItem(for: r1) == nil)
        try store.recordJudgment(assignmentID: taken.assignmentID, reviewer: r2, verdict: .incorrect, secondsSpent: 20)
        let verdicts = try store.reader.read { db in try Judgment.fetchAll(db) }.map { "\($0.reviewerID):\($0.verdict!)" }
        #expect(verdicts == ["\(r2.id!):incorrect"])
    }

    @Test(arguments: StoreKind.allCases)
    func aLapsedClaimNobodyTookIsStillItsReviewers(_ kind: StoreKind) throws {
        // Given r1's claim on an item wanted once, long past its lifetime
        let clock = TestClock()
        let store = try Self.store(kind, clock, items: 2, overlap: 1)
        let (r1, r2) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"))
        let first = try #require(try store.nextItem(for: r1))
        clock.advance(3 * Self.lifetime)
        // When r1 rates it before anyone released it, Then it is saved
        try store.recordJudgment(assignmentID: first.assignmentID, reviewer: r1, verdict: .correct, secondsSpent: 1)

        // Given r1's next claim lapses and is released (r2's claim sweeps it)
        let second = try #require(try store.nextItem(for: r1))
        clock.advance(Self.lifetime + 1)
        #expect(try store.releaseLapsedClaims() == 1)
        #expect(try store.progress(reviewer: r2, since: .distantPast).remaining == 1)
        // When r1 rates it while its slot is still free, Then r1 takes it back and it is saved
        try store.recordJudgment(assignmentID: second.assignmentID, reviewer: r1, verdict: .incorrect, secondsSpent: 1)
        #expect(try store.nextItem(for: r2) == nil)
        #expect(try store.queueCounts().open == 0)
        #expect(try store.progress(reviewer: r1, since: .distantPast) == ReviewProgress(doneToday: 2, remaining: 0))
    }

    @Test(arguments: StoreKind.allCases)
    func releaseOnQuitFreesTheSlotAndTheReviewerGetsTheItemBack(_ kind: StoreKind) throws {
        // Given an item wanted twice, claimed by r1 and r2
        let clock = TestClock()
        let store = try Self.store(kind, clock, items: 1, overlap: 2)
        let (r1, r2, r3) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"), store.registerReviewer(name: "r3"))
        let mine = try #require(try store.nextItem(for: r1))
        _ = try #require(try store.nextItem(for: r2))
        #expect(try store.nextItem(for: r3) == nil)
        #expect(throws: FeedbackStoreError.assignmentNotYours(assignment: mine.assignmentID, reviewer: "r2")) {
            try store.release(assignmentID: mine.assignmentID, reviewer: r2)
        }

        // When r1 quits without rating, Then the slot is free at once
        #expect(try store.release(assignmentID: mine.assignmentID, reviewer: r1))
        #expect(try store.release(assignmentID: mine.assignmentID, reviewer: r1) == false)
        #expect(try store.progress(reviewer: r3, since: .distantPast).remaining == 1)
        // And r1, back first, gets the same assignment again
        #expect(try store.progress(reviewer: r1, since: .distantPast).remaining == 1)
        let again = try #require(try store.nextItem(for: r1))
        #expect(again.assignmentID == mine.assignmentID)
        #expect(try store.nextItem(for: r3) == nil)

        // When r1 quits again and r3 takes the slot, Then r1 has nothing left
        try store.release(assignmentID: mine.assignmentID, reviewer: r1)
        #expect(try store.nextItem(for: r3)?.itemID == mine.itemID)
        #expect(try store.nextItem(for: r1) == nil)
        #expect(try store.progress(reviewer: r1, since: .distantPast).remaining == 0)
    }

    @Test func slotsCannotBeOverTakenEvenThroughRawSQL() throws {
        // Given an item wanted once and claimed
        let store = try Self.store(.inMemory, TestClock(), items: 1, overlap: 1)
        let (r1, r2) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"))
        let item = try #require(try store.nextItem(for: r1))
        // When a second holding assignment is written by hand, Then CHECK (claimed <= overlap) aborts it
        #expect(throws: DatabaseError.self) {
            try writeRaw(store, """
                INSERT INTO review_assignments (item_id, reviewer_id, a_sample_id, state, claimed_at, opened_at)
                VALUES (\(item.itemID), \(r2.id!), \(item.samples[0].id!), 'open', '2027-01-01', '2027-01-01')
                """)
        }
        #expect(throws: DatabaseError.self) { try writeRaw(store, "DELETE FROM review_assignments") }
        #expect(throws: DatabaseError.self) { try writeRaw(store, "UPDATE review_assignments SET reviewer_id = \(r2.id!)") }
    }

    /// Random claims, ratings, skips, undos, releases, lapses and new items by four
    /// reviewers; after every step the kept counts must equal a count from scratch.
    @Test(arguments: [UInt64(1), 2, 3])
    func keptCountsMatchACountFromScratch(seed rngSeed: UInt64) throws {
        let clock = TestClock()
        let store = try FeedbackStore.inMemory(claimLifetime: Self.lifetime, now: { clock.now })
        let reviewers = try (0..<4).map { try store.registerReviewer(name: "r\($0)") }
        var rng = SeededGenerator(seed: rngSeed)
        var onScreen: [Int64: ReviewItem] = [:]
        var prompts = 0
        for step in 0..<400 {
            let r = reviewers[rng.index(below: reviewers.count)]
            switch rng.index(below: 10) {
            case 0:
                try seed(store, prompts: 1, policies: ["p\(prompts)"])
                try store.enqueueJudgments(policy: "p\(prompts)", overlap: 1 + rng.index(below: 3))
                prompts += 1
            case 1...3:
                onScreen[r.id!] = try store.nextItem(for: r)
            case 4, 5:
                if let item = onScreen.removeValue(forKey: r.id!) {
                    do {
                        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .correct, secondsSpent: 1)
                    } catch FeedbackStoreError.claimLapsed {}
                }
            case 6:
                if let item = onScreen.removeValue(forKey: r.id!) {
                    do { try store.skip(assignmentID: item.assignmentID, reviewer: r) } catch FeedbackStoreError.claimLapsed {}
                }
            case 7:
                try store.undoLast(reviewer: r)
                onScreen[r.id!] = nil
            case 8:
                if let item = onScreen.removeValue(forKey: r.id!) { try store.release(assignmentID: item.assignmentID, reviewer: r) }
            default:
                clock.advance(Self.lifetime * Double(rng.index(below: 3)) / 2)
            }
            try Self.checkCounts(store, reviewers, step: step)
        }
    }

    static func checkCounts(_ store: FeedbackStore, _ reviewers: [Reviewer], step: Int) throws {
        try store.reader.read { db in
            let wrongClaims = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM review_items i WHERE claimed <>
                  (SELECT COUNT(*) FROM review_assignments a WHERE a.item_id = i.id AND a.state IN ('open', 'done'))
                  OR claimed > overlap
                """)
            #expect(wrongClaims == 0, "step \(step)")
            // One reviewer never has two ratings that count on one item.
            let twice = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM judgments j JOIN review_assignments a ON a.id = j.assignment_id
                WHERE \(FeedbackStore.live("j", "judgments")) GROUP BY a.item_id, j.reviewer_id HAVING COUNT(*) > 1)
                """)
            #expect(twice == 0, "step \(step)")
        }
        for r in reviewers {
            let scratch = try store.reader.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM review_assignments WHERE reviewer_id = ?1 AND state = 'open')
                         + (SELECT COUNT(*) FROM review_items i WHERE i.claimed < i.overlap AND NOT EXISTS
                             (SELECT 1 FROM review_assignments a WHERE a.item_id = i.id AND a.reviewer_id = ?1 AND a.state <> 'released'))
                    """, arguments: [r.id!]) ?? -1
            }
            #expect(try store.progress(reviewer: r, since: .distantPast).remaining == scratch, "step \(step), \(r.name)")
        }
    }

    @Test func aVersion1DatabaseGetsExpiriesAndCountsWhenOpened() throws {
        // Given a database written before claims lapsed: one item wanted twice, rated by r1,
        // and claimed long ago by r2 who never came back (claimed counted by hand then)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("rounds.sqlite").path
        let old = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(old, upTo: "v1")
        try old.write { db in
            try db.execute(sql: """
                INSERT INTO reviewers (id, name, display_name, created_at) VALUES
                  (1, 'r1', 'r1', '2026-11-01 09:00:00.000'), (2, 'r2', 'r2', '2026-11-01 09:00:00.000'),
                  (3, 'r3', 'r3', '2026-11-01 09:00:00.000');
                INSERT INTO prompts (id, content_hash, messages, text, split, created_at)
                  VALUES (1, 'h', '[{"content":"頭痛","role":"user"}]', '頭痛', 'train', '2026-11-01 09:00:00.000');
                INSERT INTO policies (id, name, created_at) VALUES (1, 'v1', '2026-11-01 09:00:00.000');
                INSERT INTO samples (id, prompt_id, policy_id, text, created_at) VALUES (1, 1, 1, '回答', '2026-11-01 09:00:00.000');
                INSERT INTO review_items (id, kind, prompt_id, sample_id, overlap, claimed, created_at)
                  VALUES (1, 'judgment', 1, 1, 2, 2, '2026-11-01 09:00:00.000');
                INSERT INTO review_assignments (id, item_id, reviewer_id, a_sample_id, state, claimed_at, opened_at) VALUES
                  (1, 1, 1, 1, 'done', '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000'),
                  (2, 1, 2, 1, 'open', '2026-11-01 10:05:00.000', '2026-11-01 10:05:00.000');
                INSERT INTO judgments (assignment_id, sample_id, reviewer_id, verdict, seconds_spent, created_at)
                  VALUES (1, 1, 1, 'correct', 30, '2026-11-01 10:01:00.000');
                """)
        }
        try old.close()

        // When it is opened by this version, a day later
        let clock = TestClock(ISO8601DateFormatter().date(from: "2026-11-02T10:00:00Z")!)
        let store = try FeedbackStore(path: path, now: { clock.now })

        // Then r2's claim has an expiry 30 minutes after it was made, the counts are right,
        // and r3 gets the slot r2 was blocking
        let expiry = try store.reader.read { db in try Assignment.fetchOne(db, key: 2)?.expiresAt }
        #expect(expiry == ISO8601DateFormatter().date(from: "2026-11-01T10:35:00Z"))
        let reviewers = try store.reviewers()
        try Self.checkCounts(store, reviewers, step: 0)
        #expect(try store.progress(reviewer: reviewers[2], since: .distantPast).remaining == 0)
        let r3 = try #require(try store.nextItem(for: reviewers[2]))
        #expect(r3.itemID == 1)
        try Self.checkCounts(store, reviewers, step: 1)
        #expect(try store.queueCounts().open == 0)
    }
}
