import ArgumentParser
import FeedbackStore
import Foundation
import Testing
@testable import rounds

/// `rounds queue order` and `rounds queue score` through the command parser.
@Suite(.serialized) struct QueueOrderCommandTests {
    func run(_ arguments: [String]) throws {
        var command = try Rounds.parseAsRoot(arguments)
        try command.run()
    }

    @Test func theOrderDefaultsToOldestFirstAndIsSetByCommand() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-order-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("feedback/rounds.sqlite").path
        // Showing the setting needs a database; the default then is oldest-first with a 20% random share.
        #expect(throws: FeedbackStoreError.self) { try run(["queue", "order", "--db", db]) }
        let store = try FeedbackStore(path: db)
        #expect(try store.queueOrderSettings() == QueueOrderSettings(order: .oldest, randomShare: 0.2))
        #expect(QueueOrderSettings.defaultOrder == .oldest && QueueOrderSettings.defaultRandomShare == 0.2)
        try run(["queue", "order", "--db", db])   // shows, changes nothing
        #expect(try store.queueOrderSettings().order == .oldest)

        try run(["queue", "order", "informative", "--random-share", "0.25", "--db", db])
        #expect(try store.queueOrderSettings() == QueueOrderSettings(order: .informative, randomShare: 0.25))
        try run(["queue", "order", "oldest", "--db", db])
        #expect(try store.queueOrderSettings() == QueueOrderSettings(order: .oldest, randomShare: 0.25))

        // Bad values are refused before anything is written, naming the option.
        for bad in [["queue", "order", "newest"], ["queue", "order", "--random-share", "1.5"]] {
            #expect(throws: (any Error).self) { try Rounds.parseAsRoot(bad + ["--db", db]) }
        }
        do {
            _ = try Rounds.parseAsRoot(["queue", "order", "--random-share", "2", "--db", db])
            Issue.record("a share above 1 was accepted")
        } catch {
            #expect(Rounds.message(for: error).contains("--random-share"))
        }
        #expect(throws: (any Error).self) { try Rounds.parseAsRoot(["queue", "score", "--policy", "v2", "--db", db]) }
    }

    @Test func scoringWithoutAModelUsesReviewersDisagreement() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-score-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("feedback/rounds.sqlite").path
        let store = try FeedbackStore(path: db)
        for i in 0..<2 {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i)")]).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "回答 \(i)")
        }
        try store.enqueueJudgments(overlap: 3)
        let (r1, r2) = try (store.registerReviewer(name: "r1"), store.registerReviewer(name: "r2"))
        for (r, verdict) in [(r1, Verdict.correct), (r2, .incorrect)] {
            let item = try #require(try store.nextItem(for: r))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: verdict, secondsSpent: 3)
        }
        try run(["queue", "score", "--db", db])
        let items = try store.openItemsToScore()
        let scores = try store.reader.read { db in try Double?.fetchAll(db, sql: "SELECT info_score FROM review_items ORDER BY id") }
        #expect(items.count == 2 && scores == [1.0, nil])   // an even split; the other item has no evidence yet
    }
}
