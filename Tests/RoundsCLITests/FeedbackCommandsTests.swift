import ArgumentParser
import FeedbackStore
import Foundation
import Testing
@testable import rounds

@Suite struct FeedbackCommandsTests {
    func temporaryDatabase() throws -> (folder: URL, db: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (folder, folder.appendingPathComponent("feedback/rounds.sqlite").path)
    }

    func run(_ arguments: [String]) throws {
        var command = try Rounds.parseAsRoot(arguments)
        try command.run()
    }

    @Test func importQueueStatsAndExportThroughTheCommands() throws {
        // Given a prompts file and a samples file
        let (folder, db) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try #"{"prompt": "めまいがします"}"#.write(to: prompts, atomically: true, encoding: .utf8)
        let samples = folder.appendingPathComponent("samples.jsonl")
        try """
            {"prompt": "めまいがします", "policy": "v1", "completion": "横になってください"}
            {"prompt": "めまいがします", "policy": "v2", "completion": "水分をとってください"}
            """.write(to: samples, atomically: true, encoding: .utf8)

        // When they go through import, reviewer add, queue, and a rating via the store
        try run(["prompts", "import", prompts.path, "--db", db])
        try run(["answers", "import", samples.path, "--db", db])
        try run(["reviewer", "add", "tanaka", "--display-name", "田中", "--db", db])
        try run(["queue", "pairs", "--new", "v2", "--baseline", "v1", "--overlap", "1", "--db", db])
        let store = try FeedbackStore(path: db)
        let tanaka = try #require(try store.reviewer(named: "tanaka"))
        let item = try #require(try store.nextItem(for: tanaka))
        guard case .compare(let a, _) = item.content else { Issue.record("expected a pair"); return }
        try store.recordComparison(assignmentID: item.assignmentID, reviewer: tanaka, outcome: a.policyID == 2 ? .a : .b, secondsSpent: 4)

        // Then the HTML report and the preference export are written
        let html = folder.appendingPathComponent("report.html").path
        try run(["stats", "--format", "html", "--out", html, "--bootstrap", "10", "--db", db])
        #expect(try !String(contentsOfFile: html, encoding: .utf8).contains("田中"))   // pseudonyms unless asked
        try run(["stats", "--format", "html", "--out", html, "--bootstrap", "10", "--with-reviewer-names", "--db", db])
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("田中"))
        let pairs = folder.appendingPathComponent("pairs.jsonl").path
        try run(["export", "--format", "preference", "--out", pairs, "--db", db, "--split", "all"])
        let line = try String(contentsOfFile: pairs, encoding: .utf8)
        #expect(line.contains(#""chosen":"水分をとってください""#) && line.contains(#""rejected":"横になってください""#))
    }

    @Test(arguments: [
        (["stats", "--format", "html"], "--out report.html"),
        (["stats", "--since", "yesterday"], "--since 2026-11-23"),
        (["export", "--format", "csv", "--out", "x.csv", "--since", "11/23"], "--since 2026-11-23"),
        (["audit", "--since", "last week"], "--since 2026-11-23"),
        (["reviewer", "map", "h tanaka", "tanaka"], "rounds reviewer map htanaka tanaka"),
        (["sft", "--out", "x", "--repeat", "triage"], "--repeat triage=3"),
        (["sft", "--out", "x", "--repeat", "triage=2", "--repeat", "triage=3"], "give each category once"),
        (["prompts", "import", "/nonexistent.jsonl"], "No file at /nonexistent.jsonl"),
        (["prompts", "import", "x.jsonl", "--held-out", "1"], "--held-out 0.1"),
        (["reviewer", "add", "two words"], "rounds reviewer add tanaka"),
        (["queue", "pairs", "--new", "v2", "--baseline", "v2"], "--new v3 --baseline v2"),
        (["export", "--format", "preference", "--out", ""], "--out pairs.jsonl"),
        (["review", "--claim-minutes", "0"], "--claim-minutes 30"),
    ])
    func validationSaysWhatToType(arguments: [String], hint: String) {
        do {
            _ = try Rounds.parseAsRoot(arguments)
            Issue.record("expected \(arguments) to be rejected")
        } catch {
            #expect(Rounds.message(for: error).contains(hint), "\(Rounds.message(for: error))")
        }
    }

    @Test func helpListsEveryOptionWithItsDefault() {
        let stats = Rounds.helpMessage(for: StatsCommand.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(stats.contains("--db <path>") && stats.contains("default: feedback/rounds.sqlite"))
        #expect(stats.contains("--format <format>") && stats.contains("html"))
        let export = Rounds.helpMessage(for: ExportCommand.self)
        #expect(export.contains("--with-reviewer-names") && export.contains("preference"))
        let review = Rounds.helpMessage(for: ReviewCommand.self)
        #expect(review.contains("--claim-minutes <minutes>") && review.contains("30.0)"))
        let root = Rounds.helpMessage()
        for name in ["prompts", "answers", "sample-answers", "reviewer", "queue", "stats", "export"] { #expect(root.contains(name)) }
    }
}
