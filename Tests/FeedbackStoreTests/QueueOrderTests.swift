import Foundation
import GRDB
import Synchronization
import Testing
@testable import FeedbackStore

/// The queue order: oldest-first by default, the informative order by stored score with a
/// random share, the draw recorded with each slot, gold copies keeping their place.
@Suite struct QueueOrderTests {
    /// `count` answers of v1 queued for judgment, one reviewer each.
    func queued(_ store: FeedbackStore, _ count: Int) throws -> [Int64] {
        try seed(store, prompts: count, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        return try store.reader.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM review_items ORDER BY id") }
    }

    @Test(arguments: StoreKind.allCases)
    func oldestFirstIsTheDefaultAndIsRecorded(_ kind: StoreKind) throws {
        let store = try makeStore(kind)
        #expect(try store.queueOrderSettings() == QueueOrderSettings(order: .oldest, randomShare: 0.2))
        let ids = try queued(store, 4)
        try store.setInformationScores([ids[3]: 0.9])   // a score changes nothing under oldest-first
        let reviewer = try store.registerReviewer(name: "r1")
        var drawn: [Int64] = []
        while let item = try store.nextItem(for: reviewer) {
            drawn.append(item.itemID)
            #expect(try store.draw(ofAssignment: item.assignmentID).draw == .oldest)
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 5)
        }
        #expect(drawn == ids)
    }

    @Test(arguments: StoreKind.allCases)
    func informativeDrawsTheHighestScoreFirstAndUnscoredLast(_ kind: StoreKind) throws {
        let store = try makeStore(kind)
        let ids = try queued(store, 5)
        try store.setInformationScores([ids[0]: 0.1, ids[1]: 0.9, ids[2]: 0.5, ids[4]: 0.7])
        try store.setQueueOrder(.informative, randomShare: 0, by: store.actor())
        let reviewer = try store.registerReviewer(name: "r1")
        var drawn: [(Int64, QueueDraw?, Double?)] = []
        while let item = try store.nextItem(for: reviewer) {
            let draw = try store.draw(ofAssignment: item.assignmentID)
            drawn.append((item.itemID, draw.draw, draw.score))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 5)
        }
        #expect(drawn.map { $0.0 } == [ids[1], ids[4], ids[2], ids[0], ids[3]])
        #expect(drawn.allSatisfy { $0.1 == .informative })
        #expect(drawn.map { $0.2 } == [0.9, 0.7, 0.5, 0.1, nil])
    }

    @Test func aRescoreChangesTheNextDrawAndBadScoresAreRefused() throws {
        let store = try makeStore(.inMemory)
        let ids = try queued(store, 3)
        try store.setQueueOrder(.informative, randomShare: 0, by: store.actor())
        try store.setInformationScores([ids[0]: 0.2, ids[1]: 0.3, ids[2]: 0.4])
        try store.setInformationScores([ids[0]: 0.95])
        let reviewer = try store.registerReviewer(name: "r1")
        #expect(try store.nextItem(for: reviewer)?.itemID == ids[0])
        for bad in [-0.1, 1.5, Double.nan] {
            #expect(throws: FeedbackStoreError.self) { try store.setInformationScores([ids[1]: bad]) }
        }
        #expect(throws: FeedbackStoreError.self) { try store.setQueueOrder(nil, randomShare: 1.2, by: store.actor()) }
    }

    /// Over 1,000 draws the share of random draws is within a wide interval around the
    /// configured 20% (a z = 4.5 Wilson interval: a sound implementation fails it about once
    /// in 150,000 runs), and random draws reach low-scored items the ordered draws do not.
    @Test func theRandomShareIsRespected() throws {
        let store = try makeStore(.inMemory)
        let ids = try queued(store, 1500)
        var generator = SeededGenerator(seed: 11)
        try store.setInformationScores(Dictionary(uniqueKeysWithValues: ids.map { ($0, Optional(Double(generator.next() >> 11) / Double(1 << 53))) }))
        try store.setQueueOrder(.informative, randomShare: 0.2, by: store.actor())
        let reviewer = try store.registerReviewer(name: "r1")
        var random: [Double] = [], ordered: [Double] = []
        for _ in 0..<1000 {
            let item = try #require(try store.nextItem(for: reviewer))
            let draw = try store.draw(ofAssignment: item.assignmentID)
            let score = try #require(draw.score)
            if draw.draw == .random { random.append(score) } else { ordered.append(score) }
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 1)
        }
        let interval = try #require(Stats.wilsonInterval(successes: random.count, total: 1000, z: 4.5))
        #expect(interval.lower < 0.2 && 0.2 < interval.upper, "\(random.count) random draws of 1000")
        // Ordered draws walk down from the top (the 1000 highest of 1500 are ≥ ~0.33); random
        // draws are uniform over what is open, so about a third of them score below the last ordered draw.
        let lowest = try #require(ordered.min())
        #expect(random.filter { $0 < lowest }.count >= 10, "random draws below \(lowest): \(random.filter { $0 < lowest }.count)")
        #expect(ordered == ordered.sorted(by: >))
    }

    /// Every random choice of a draw comes from the store's `random` source: two stores given
    /// the same seed hand out the same items, drawn the same way, with the same answer shown
    /// as A; another seed changes them (a benchmark's seed decides its whole run).
    @Test func aSeededStoreDrawsTheSameWayEveryTime() throws {
        func draws(seed value: UInt64) throws -> [String] {
            let generator = Mutex(SeededGenerator(seed: value))
            let store = try FeedbackStore.inMemory(random: { generator.withLock { $0.next() } })
            try seed(store, prompts: 60, policies: ["v2", "v1"])
            try store.enqueuePairs(newPolicy: "v2", baselinePolicy: "v1", overlap: 1)
            let ids = try store.reader.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM review_items ORDER BY id") }
            try store.setInformationScores(Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, Optional(Double($0) / 100)) }))
            try store.setQueueOrder(.informative, randomShare: 0.5, by: store.actor())
            let reviewer = try store.registerReviewer(name: "r1")
            var out: [String] = []
            for _ in 0..<40 {
                let item = try #require(try store.nextItem(for: reviewer))
                guard case let .compare(a, _) = item.content else { Issue.record("not a pair"); return out }
                let draw = try store.draw(ofAssignment: item.assignmentID).draw
                out.append("\(item.itemID) \(draw?.rawValue ?? "-") \(a.id!)")
                try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: .a, secondsSpent: 1)
            }
            return out
        }
        let first = try draws(seed: 7), again = try draws(seed: 7), other = try draws(seed: 8)
        #expect(first == again)
        #expect(first != other)
        // Both kinds of draw occur, and both answers of a pair are shown as A (the new policy's
        // answers have odd ids here), so the seed decided all three choices.
        #expect(first.contains { $0.contains(" random ") } && first.contains { $0.contains(" informative ") })
        let shownFirst = first.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(shownFirst.contains { $0 % 2 == 1 } && shownFirst.contains { $0 % 2 == 0 })
    }

    @Test func aGoldCopyTakesTheScoreOfTheItemItFollows() throws {
        let store = try makeStore(.inMemory)
        let lead = try store.actor()
        try store.setGoldSettings(share: 0.5, minAccuracy: nil, by: lead)   // share/(1 − share) = 1: a gold copy after every item
        try store.addGoldItems([NewGoldItem(prompt: try PromptKey(messages: [ChatMessage(role: "user", content: "金の質問")]),
                                            answer: "金の回答", verdict: .correct)], by: lead)
        _ = try queued(store, 3)
        let rows = try store.reader.read { db in try Row.fetchAll(db, sql: "SELECT id, gold_id FROM review_items ORDER BY id") }
        let ordinary = rows.filter { ($0[1] as Int64?) == nil }.map { $0[0] as Int64 }
        let gold = rows.filter { ($0[1] as Int64?) != nil }.map { $0[0] as Int64 }
        #expect(ordinary.count == 3 && gold.count == 3)
        try store.setInformationScores([ordinary[0]: 0.3, ordinary[1]: 0.8, ordinary[2]: 0.5])
        let scores = try store.reader.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, info_score FROM review_items").map { ($0[0] as Int64, $0[1] as Double?) })
        }
        for (item, copy) in zip(ordinary, gold) {
            #expect(copy == item + 1 && scores[copy] == scores[item], "gold copy \(copy) after item \(item)")
        }
        // Scores given to gold copies directly are ignored: they follow their item.
        #expect(try store.setInformationScores([gold[0]: 1.0]) == 0)
    }

    @Test func onlyALeadChangesTheOrderOnceThereIsOneAndTheChangeIsAudited() throws {
        let store = try makeStore(.inMemory)
        let boss = try store.registerReviewer(name: "boss")
        try store.setRole(.lead, of: "boss", by: store.actor(), reason: "first lead")
        let nobody = Caller(login: "someone-else", reviewer: nil, role: nil)
        #expect(throws: AccessError.self) { try store.setQueueOrder(.informative, randomShare: nil, by: nobody) }
        try store.setQueueOrder(.informative, randomShare: 0.3, by: Caller(login: "boss", reviewer: boss, role: .lead))
        #expect(try store.queueOrderSettings() == QueueOrderSettings(order: .informative, randomShare: 0.3))
        let entry = try #require(try store.auditEntries(action: .queueOrder).last)
        #expect(entry.details.contains("\"queue_order\":\"informative\"") && entry.details.contains("0.3"), "\(entry.details)")
    }

    /// The expected-gradient term, by hand: p(1 − p)·d relative to the largest of the items
    /// scored together; with equal distances it orders as the margin does, and of two equally
    /// uncertain pairs the one whose answers differ more in what the head reads comes first.
    @Test func expectedGradientTermIsRelativeToTheLargest() {
        let items = [InformationEvidence(rewardMargin: 0, featureDistance: 4),     // 0.25 · 4 = 1
                     InformationEvidence(rewardMargin: 0, featureDistance: 1),     // 0.25
                     InformationEvidence(rewardMargin: log(3), featureDistance: 4), // p = 0.75: 0.1875 · 4 = 0.75
                     InformationEvidence(rewardMargin: 1),                         // no distance: the margin term
                     InformationEvidence(votesFor: 1, votes: 2)]
        let scores = InformationEvidence.scores(items)
        #expect(abs(items[2].expectedGradient()! - 0.75) < 1e-12)
        #expect(scores[0] == 1 && abs(scores[1]! - 0.25) < 1e-12 && abs(scores[2]! - 0.75) < 1e-12)
        #expect(abs(scores[3]! - 0.5378828) < 1e-6 && scores[4] == 1)
        let equal = [0.0, 0.5, -2, 3].map { InformationEvidence(rewardMargin: $0, featureDistance: 2) }
        let byGradient = InformationEvidence.scores(equal).map { $0! }, byMargin = equal.map { $0.score()! }
        #expect(byGradient.indices.sorted { byGradient[$0] > byGradient[$1] } == byMargin.indices.sorted { byMargin[$0] > byMargin[$1] })
        #expect(InformationEvidence.scores([InformationEvidence(rewardMargin: 0, featureDistance: 0)]) == [1])   // all zero: the margin term
    }

    @Test func informationScoresFromHandComputedValues() {
        // σ(1) = 0.7310586; 1 − |2σ(1) − 1| = 0.5378828 (= 1 − tanh(1/2)).
        #expect(InformationEvidence(rewardMargin: 0).score() == 1)
        #expect(abs(InformationEvidence(rewardMargin: 1).score()! - 0.5378828) < 1e-6)
        #expect(abs(InformationEvidence(rewardMargin: -1).score()! - 0.5378828) < 1e-6)
        // Reward model sure of A (m = 2: σ = 0.8807971), the policy of B (d = −2: 0.1192029):
        // terms 1 − 0.7615942 = 0.2384058 and 0.7615942; mean 0.5.
        #expect(abs(InformationEvidence(rewardMargin: 2, implicitMargin: -2).score()! - 0.5) < 1e-9)
        // Reviewers: 1 of 2 is an even split (1), 3 of 3 full agreement (0), one vote alone says nothing.
        #expect(InformationEvidence(votesFor: 1, votes: 2).score() == 1)
        #expect(InformationEvidence(votesFor: 3, votes: 3).score() == 0)
        #expect(InformationEvidence(votesFor: 1, votes: 1).score() == nil)
        #expect(InformationEvidence().score() == nil)
        // All three: (1 + 0 + 1/3·…) — margin 0 and implicit 0 give 1 and 0; votes 1 of 3 give 1 − 1/3.
        #expect(abs(InformationEvidence(rewardMargin: 0, implicitMargin: 0, votesFor: 1, votes: 3).score()! - (1 + 0 + 2.0 / 3) / 3) < 1e-12)
    }

    @Test func reviewerVotesAreCountedPerItem() throws {
        let store = try makeStore(.inMemory)
        let ids: [Int64] = try {
            try seed(store, prompts: 2, policies: ["v1"])
            try store.enqueueJudgments(overlap: 3)
            return try store.reader.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM review_items ORDER BY id") }
        }()
        let reviewers = try (1...2).map { try store.registerReviewer(name: "r\($0)") }
        for (r, verdict) in zip(reviewers, [Verdict.correct, .incorrect]) {
            let item = try #require(try store.nextItem(for: r))
            #expect(item.itemID == ids[0])
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: verdict, secondsSpent: 3)
        }
        let scoring = try store.openItemsToScore()
        let first = try #require(scoring.first { $0.itemID == ids[0] })
        #expect(first.evidence.votes == 2 && first.evidence.votesFor == 1 && first.evidence.score() == 1)
        #expect(scoring.first { $0.itemID == ids[1] }?.evidence.votes == 0)
    }

    @Test func statsLeaveInformativeDrawsOutOfTheRates() throws {
        let store = try makeStore(.inMemory)
        let ids = try queued(store, 6)
        let reviewer = try store.registerReviewer(name: "r1")
        // Two oldest-first ratings (correct), then four informative ones (incorrect).
        for _ in 0..<2 {
            let item = try #require(try store.nextItem(for: reviewer))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 3)
        }
        try store.setInformationScores(Dictionary(uniqueKeysWithValues: ids.map { ($0, Optional(0.5)) }))
        try store.setQueueOrder(.informative, randomShare: 0, by: store.actor())
        while let item = try store.nextItem(for: reviewer) {
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .incorrect, secondsSpent: 3)
        }
        let report = try store.statsReport(bootstrapRounds: 0)
        let rate = try #require(report.correctRates.first { $0.policy == "v1" })
        #expect(rate.correct == 2 && rate.total == 2)
        #expect(report.informativeDraws == StatsReport.InformativeDraws(judgmentsLeftOut: 4, comparisonsLeftOut: 0))
        #expect(report.reviewers.first?.judgments == 6)
        #expect(report.table.contains("4 judgments and 0 comparisons of items the informative order chose are left out"))
    }

    /// A database made before this version (migrated to v5, with a rating and an open claim)
    /// gets the columns, the default settings, and keeps its slots as they were.
    @Test func migrationKeepsOldSlotsAndAddsTheDefaults() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("rounds.sqlite").path
        let old = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(old, upTo: "v5-gold-roles-audit")
        try old.write { db in
            try db.execute(sql: """
                INSERT INTO reviewers (id, name, display_name, created_at) VALUES (1, 'r1', 'r1', '2026-11-01 09:00:00.000');
                INSERT INTO prompts (id, content_hash, messages, text, split, created_at)
                  VALUES (1, 'h', '[{"content":"頭痛","role":"user"}]', '頭痛', 'train', '2026-11-01 09:00:00.000');
                INSERT INTO policies (id, name, created_at) VALUES (1, 'v1', '2026-11-01 09:00:00.000');
                INSERT INTO samples (id, prompt_id, policy_id, text, created_at) VALUES (1, 1, 1, '回答', '2026-11-01 09:00:00.000'),
                  (2, 1, 1, '別の回答', '2026-11-01 09:00:00.000');
                INSERT INTO review_items (id, kind, prompt_id, sample_id, overlap, claimed, created_at)
                  VALUES (1, 'judgment', 1, 1, 1, 0, '2026-11-01 09:00:00.000'), (2, 'judgment', 1, 2, 1, 0, '2026-11-01 09:00:00.000');
                INSERT INTO review_assignments (id, item_id, reviewer_id, a_sample_id, state, claimed_at, opened_at, expires_at)
                  VALUES (1, 1, 1, 1, 'done', '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000', NULL);
                INSERT INTO judgments (assignment_id, sample_id, reviewer_id, verdict, seconds_spent, created_at)
                  VALUES (1, 1, 1, 'correct', 30, '2026-11-01 10:01:00.000');
                """)
        }
        try old.close()
        let store = try FeedbackStore(path: path)
        #expect(try store.queueOrderSettings() == QueueOrderSettings())
        let before = try store.draw(ofAssignment: 1)
        #expect(before.draw == nil && before.score == nil)
        let columns = try store.reader.read { db in try db.columns(in: "review_items").map(\.name) }
        #expect(columns.contains("info_score"))
        let reviewer = try #require(try store.reviewer(named: "r1"))
        let next = try #require(try store.nextItem(for: reviewer))
        #expect(try next.itemID == 2 && store.draw(ofAssignment: next.assignmentID).draw == .oldest)
        #expect(try store.statsReport(bootstrapRounds: 0).informativeDraws == StatsReport.InformativeDraws(judgmentsLeftOut: 0, comparisonsLeftOut: 0))
    }
}
