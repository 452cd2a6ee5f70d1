import ArgumentParser
import FeedbackStore
import Foundation
import Testing
@testable import rounds

/// Roles, gold items and the audit log through the commands, as the user running the tests
/// (whose login is looked up as the commands look it up).
@Suite(.serialized) struct RolesGoldAuditCommandTests {
    let me = Caller.currentLogin()

    func temporaryDatabase() throws -> (folder: URL, db: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-roles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (folder, folder.appendingPathComponent("feedback/rounds.sqlite").path)
    }

    func run(_ arguments: [String]) throws {
        var command = try Rounds.parseAsRoot(arguments)
        try command.run()
    }

    func message(_ arguments: [String]) -> String? {
        do { try run(arguments); return nil } catch { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
    }

    @Test func leadOnlyCommandsAreRefusedToAReviewerAndEveryChangeIsAudited() throws {
        let (folder, db) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The first lead of a new database: anyone may add it. Here it is the login running the tests.
        try run(["reviewer", "add", me, "--role", "lead", "--db", db])
        try run(["reviewer", "add", "boss", "--db", db])
        try run(["reviewer", "role", "boss", "lead", "--reason", "second lead", "--db", db])
        try run(["reviewer", "add", "dr-sato", "--display-name", "佐藤", "--db", db])
        let file = folder.appendingPathComponent("gold.jsonl")
        try """
            {"prompt": "胸痛が30分続いています", "answer": "すぐに救急車を呼んでください。", "verdict": "correct"}
            {"prompt": "頭痛", "answer_a": "様子を見ましょう", "answer_b": "すぐ受診を", "preferred": "c"}
            """.write(to: file, atomically: true, encoding: .utf8)
        let bad = message(["gold", "import", file.path, "--db", db]) ?? ""
        #expect(bad.contains("gold.jsonl:2:") && bad.contains("'preferred' must be"), "\(bad)")
        try run(["gold", "add", "--prompt", "発熱39度", "--answer", "解熱剤で様子を見てよい", "--verdict", "incorrect", "--db", db])
        try run(["gold", "settings", "--share", "0.05", "--db", db])
        let store = try FeedbackStore(path: db)
        #expect(try store.goldItems().count == 1 && store.goldSettings().share == 0.05)

        // Now the login steps down: every lead-only command is refused, naming what to do.
        try run(["reviewer", "role", me, "reviewer", "--db", db])
        for arguments in [["gold", "add", "--prompt", "x", "--answer", "y", "--verdict", "correct"],
                          ["gold", "settings", "--share", "0.1"],
                          ["reviewer", "add", "dr-ito"],
                          ["reviewer", "map", "someone", "dr-sato"],
                          ["stats", "--with-reviewer-names", "--bootstrap", "0"],
                          ["export", "--format", "csv", "--out", folder.appendingPathComponent("x.csv").path, "--with-reviewer-names"],
                          ["export", "--format", "csv", "--out", folder.appendingPathComponent("y.csv").path, "--include-identifiers"],
                          ["policy", "promote", "v1", "--reason", "because", "--policies", folder.appendingPathComponent("policies").path],
                          ["policy", "rollback", "--reason", "because", "--policies", folder.appendingPathComponent("policies").path]] {
            let refusal = message(arguments + ["--db", db]) ?? "(accepted)"
            #expect(refusal.contains("for a lead only"), "\(arguments): \(refusal)")
        }
        // A reviewer's export without names is allowed, and audited.
        try run(["export", "--format", "csv", "--out", folder.appendingPathComponent("ratings.csv").path, "--db", db])

        let actions = try store.auditEntries().map(\.action)
        #expect(actions == [.reviewerAdd, .reviewerAdd, .roleChange, .reviewerAdd, .goldAdd, .goldSettings, .roleChange, .export])
        let export = try #require(try store.auditEntries(action: .export).first)
        #expect(export.actor == me && export.subject.hasSuffix("ratings.csv") && export.details.contains("\"reviewer_names\":\"no\""))
    }

    /// Role and map changes say what was there before, and a change to what already is
    /// records nothing.
    @Test func roleAndMapSayWhatChanged() throws {
        let (folder, db) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        func say(_ arguments: [String]) throws -> String { try PolicyEvaluateCommandTests.rounds(arguments + ["--db", db]).out }
        try run(["reviewer", "add", me, "--role", "lead", "--db", db])
        try run(["reviewer", "add", "tanaka", "--db", db])
        try run(["reviewer", "add", "sato", "--db", db])
        #expect(try say(["reviewer", "role", "tanaka", "lead"]).contains("tanaka is now a lead (was a reviewer)."))
        #expect(try say(["reviewer", "role", "tanaka", "lead"]).contains("tanaka is already a lead; nothing changed."))
        #expect(try say(["reviewer", "map", "htanaka", "tanaka"]).contains("Login htanaka now rates as tanaka."))
        #expect(try say(["reviewer", "map", "htanaka", "sato"]).contains("Login htanaka now rates as sato (it rated as tanaka before)."))
        #expect(try say(["reviewer", "map", "htanaka", "sato"]).contains("Login htanaka now rates as sato; it already did, nothing changed."))
        let store = try FeedbackStore(path: db)
        #expect(try store.auditEntries(action: .roleChange).count == 1 && store.auditEntries(action: .loginMap).count == 2)
    }

    @Test func auditListsWithFiltersAsTextAndJSON() throws {
        let (folder, db) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        try run(["reviewer", "add", me, "--role", "lead", "--db", db])
        try run(["reviewer", "add", "tanaka", "--db", db])
        try run(["reviewer", "map", "htanaka", "tanaka", "--reason", "病院のログイン", "--db", db])
        let output = try PolicyEvaluateCommandTests.rounds(["audit", "--action", "login-map", "--json", "--db", db]).out
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["action"] as? String == "login-map" && object["subject"] as? String == "htanaka" && object["reason"] as? String == "病院のログイン")
        #expect((object["details"] as? [String: Any])?["reviewer"] as? String == "tanaka")
        let text = try PolicyEvaluateCommandTests.rounds(["audit", "--who", me, "--db", db]).out
        #expect(text.split(separator: "\n").count == 3 && text.contains("reviewer-add") && text.contains("login-map"))
        #expect(try PolicyEvaluateCommandTests.rounds(["audit", "--since", "2999-01-01", "--db", db]).out.contains("No audit entries match"))
    }

    /// A lead's `--reason` is typed text: echoed neutralised (no escape reaches the terminal),
    /// stored as typed in the audit log.
    @Test func promoteAndRollbackEchoTheirReasonNeutralised() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-promote-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let world = try PolicyEvaluateCommandTests.world(in: folder)
        try run(["reviewer", "add", me, "--role", "lead", "--db", world.db])
        let hostile = "ok\u{1B}]0;pwned\u{07}\u{1B}[2J 理由"
        var outputs: [String] = []
        for arguments in [["policy", "promote", "v1"], ["policy", "promote", "c1"], ["policy", "rollback"]] {
            let result = try PolicyEvaluateCommandTests.rounds(arguments + ["--reason", hostile, "--db", world.db, "--policies", world.policies])
            #expect(result.status == 0, "\(arguments): \(result.err)")
            outputs.append(result.out)
        }
        #expect(outputs[1].contains("c1 is now production") && outputs[2].contains("v1 is production again"), "\(outputs)")
        for out in outputs {
            #expect(!out.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" }, "\(out.debugDescription)")
            #expect(out.contains("理由"))
        }
        let reasons = try FeedbackStore(path: world.db).auditEntries().filter { $0.action == .promote || $0.action == .rollback }.map(\.reason)
        #expect(reasons.count == 3 && reasons.allSatisfy { $0 == hostile })
    }
}
