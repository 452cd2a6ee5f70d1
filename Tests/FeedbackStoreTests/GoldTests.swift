import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// A lead (the database's first) and the actor of that lead's login.
func makeLead(_ store: FeedbackStore, name: String = "lead") throws -> Caller {
    try store.addReviewer(name: name, role: .lead, by: Caller(login: name))
    return try store.actor(login: name)
}

func goldJudgment(_ i: Int, verdict: Verdict) throws -> NewGoldItem {
    NewGoldItem(prompt: try PromptKey(text: "金の質問 \(i)：胸痛があります"), answer: "金の回答 \(i)", verdict: verdict)
}

/// Gold copies queued by hand, in this order (tests need a fixed sequence; the queue's own
/// trigger draws them at random).
func queueGoldCopies(_ store: FeedbackStore, _ items: [GoldItem]) throws {
    try store.write { db in
        for item in items {
            try db.execute(sql: """
                INSERT INTO review_items (kind, prompt_id, sample_id, other_sample_id, overlap, claimed, created_at, gold_id)
                VALUES (?, ?, ?, ?, 1, 0, ?, ?)
                """, arguments: [item.kind, item.promptID, item.sampleID, item.otherSampleID, Date(), item.id])
        }
    }
}

@Suite struct GoldTests {
    @Test func theConfiguredShareOfTheQueueIsGold() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store)
        try store.setGoldSettings(share: 0.1, minAccuracy: nil, by: lead)
        try store.addGoldItems((0..<5).map { try goldJudgment($0, verdict: .correct) }, by: lead)
        try seed(store, prompts: 2000, policies: ["v1"])
        let queued = try store.enqueueJudgments(policy: "v1", overlap: 2)
        #expect(queued == 2000)   // the count is of ordinary items
        let (gold, total, copies) = try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM review_items WHERE gold_id IS NOT NULL")!,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM review_items")!,
             try Int.fetchAll(db, sql: "SELECT count(*) FROM review_items WHERE gold_id IS NOT NULL GROUP BY gold_id"))
        }
        // Binomial(2000, 1/9) gold copies: mean 222, sd 14; the share is within 4 sd of 0.1.
        let share = Double(gold) / Double(total)
        #expect(abs(share - 0.1) < 0.025, "gold share \(share) of \(total)")
        // Copies go round the gold items: every item is used, evenly.
        #expect(copies.count == 5 && copies.max()! - copies.min()! <= 1)
        // Gold answers never enter the queue as ordinary items.
        #expect(try store.enqueueJudgments() == 0)
    }

    @Test func aGoldCardIsDrawnNumberedAndCountedLikeAnyOther() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store)
        try store.setGoldSettings(share: 0.5, minAccuracy: nil, by: lead)
        try store.addGoldItems((0..<3).map { try goldJudgment($0, verdict: .incorrect) }, by: lead)
        try seed(store, prompts: 30, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let tanaka = try store.registerReviewer(name: "tanaka")
        let goldItems = try store.read { db in Set(try Int64.fetchAll(db, sql: "SELECT id FROM review_items WHERE gold_id IS NOT NULL")) }
        #expect(!goldItems.isEmpty)
        var numbers: [Int64] = [], remaining: [Int] = []
        var seconds: (gold: [Double], plain: [Double]) = ([], [])
        while true {
            let started = Date()
            guard let item = try store.nextItem(for: tanaka) else { break }
            remaining.append(try store.progress(reviewer: tanaka, since: .distantPast).remaining)
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: tanaka, verdict: .correct, secondsSpent: 1)
            let spent = Date().timeIntervalSince(started)
            if goldItems.contains(item.itemID) { seconds.gold.append(spent) } else { seconds.plain.append(spent) }
            numbers.append(item.itemID)
        }
        // Item numbers run on without gaps, and "remaining" falls by one per card, gold or not.
        #expect(numbers == Array(numbers.first!...numbers.last!))
        #expect(remaining == Array((1...remaining.count).reversed()))
        #expect(seconds.gold.count == goldItems.count)
        // Drawing and rating a gold card takes as long as any other (medians within 10 ms, far below what a person notices).
        let median = { (x: [Double]) in x.sorted()[x.count / 2] }
        #expect(abs(median(seconds.gold) - median(seconds.plain)) < 0.010)
    }

    @Test func calibrationCountsAccuracyConsistencyAndFlagsOnTheUpperBound() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store)
        let items = try store.addGoldItems((0..<10).map { try goldJudgment($0, verdict: .correct) }, by: lead)
        try queueGoldCopies(store, items + [items[0]])
        try queueGoldCopies(store, items + [items[0]])
        let careless = try store.registerReviewer(name: "careless"), careful = try store.registerReviewer(name: "careful")
        // careless: 3 of the first 10 right, then item 0 again (right, as the first time).
        for i in 0..<11 {
            let item = try #require(try store.nextItem(for: careless))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: careless, verdict: i < 3 || i == 10 ? .correct : .incorrect, secondsSpent: 1)
        }
        for _ in 0..<11 {
            let item = try #require(try store.nextItem(for: careful))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: careful, verdict: .correct, secondsSpent: 1)
        }
        let calibration = try store.goldCalibration(withReviewerNames: true)
        let rows = Dictionary(uniqueKeysWithValues: calibration.reviewers.map { ($0.name, $0) })
        let c = try #require(rows["careless"]), k = try #require(rows["careful"])
        #expect(c.goldRatings == 11 && c.goldCorrect == 4)
        // Wilson 95% for 4 of 11 by hand: centre (4/11 + z²/22)/(1 + z²/11), half-width z/(1+z²/11)·√(p(1−p)/11 + z²/484).
        #expect(abs(c.upper! - 0.6462) < 1e-3 && abs(c.lower! - 0.1517) < 1e-3)
        #expect(c.flagged && !k.flagged && calibration.flagged == ["careless"])
        // Item 0 came back to each of them once, answered the same way both times.
        #expect(c.repeats == 1 && c.consistent == 1)
        #expect(k.repeats == 1 && k.consistent == 1 && k.goldCorrect == 11)
        // Pseudonyms unless names are asked for.
        #expect(try store.goldCalibration().reviewers.allSatisfy { $0.name.hasPrefix("reviewer-") })
    }

    @Test func goldRatingsNeverTrainNorCountForAPolicy() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store)
        let items = try store.addGoldItems([try goldJudgment(0, verdict: .correct)], by: lead)
        try queueGoldCopies(store, items)
        let tanaka = try store.registerReviewer(name: "tanaka")
        let item = try #require(try store.nextItem(for: tanaka))
        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: tanaka, verdict: .correct, secondsSpent: 2)
        #expect(try store.labelledCompletions(split: .all).isEmpty)
        let report = try store.statsReport(bootstrapRounds: 0)
        #expect(!report.policies.contains(FeedbackStore.goldPolicyName))
        #expect(report.calibration?.reviewers.first?.goldRatings == 1)
        #expect(try store.export(.unpaired, to: try temporaryFolder().appendingPathComponent("u.jsonl").path, split: .all).rows == 0)
    }

    @Test func importNamesTheFileAndLineAndImportsNothingOnABadLine() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store)
        let file = try temporaryFolder().appendingPathComponent("gold.jsonl")
        try """
            {"prompt": "胸痛が30分続く", "answer": "救急車を呼んでください。", "verdict": "correct"}
            {"prompt": "頭痛", "answer": "様子を見ましょう", "verdict": "maybe"}
            """.write(to: file, atomically: true, encoding: .utf8)
        #expect { try store.importGoldItems(from: file, by: lead) } throws: { error in
            let text = (error as? LocalizedError)?.errorDescription ?? ""
            return text.contains("gold.jsonl:2:") && text.contains("'verdict' must be")
        }
        #expect(try store.goldItems().isEmpty)
        try """
            {"prompt": "胸痛が30分続く", "answer": "救急車を呼んでください。", "verdict": "correct", "rationale": "red flag"}
            {"prompt": "Which is safer?", "answer_a": "Call an ambulance.", "answer_b": "Wait and see.", "preferred": "a"}
            """.write(to: file, atomically: true, encoding: .utf8)
        let added = try store.importGoldItems(from: file, by: lead)
        #expect(added.map(\.kind) == [.judgment, .comparison] && added.map(\.expected) == ["correct", "first"])
        #expect(try store.auditEntries(action: .goldImport).map(\.subject) == ["gold.jsonl"])
    }

    @Test func onlyALeadAddsGoldOnceThereIsOne() throws {
        let store = try FeedbackStore.inMemory()
        // Set-up: no lead yet, anyone may.
        try store.addGoldItems([try goldJudgment(0, verdict: .correct)], by: Caller(login: "someone"))
        _ = try makeLead(store)
        try store.registerReviewer(name: "tanaka")
        #expect(throws: AccessError.self) {
            try store.addGoldItems([try goldJudgment(1, verdict: .correct)], by: try store.actor(login: "tanaka"))
        }
        #expect(throws: AccessError.self) { try store.setGoldSettings(share: 0.2, minAccuracy: nil, by: try store.actor(login: "tanaka")) }
        #expect(throws: FeedbackStoreError.self) { try store.setGoldSettings(share: 0.9, minAccuracy: nil, by: try store.actor(login: "lead")) }
    }
}
