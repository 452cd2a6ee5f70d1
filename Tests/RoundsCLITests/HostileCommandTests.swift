import ArgumentParser
import FeedbackStore
import Foundation
import Testing
@testable import rounds

/// The reviewer commands as an attacker would use them, and a database that is not there.
@Suite struct HostileCommandTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(arguments: [
        ["reviewer", "add", "\u{1B}[2J\u{1B}[31mevil"],
        ["reviewer", "add", "bob", "--display-name", "\u{1B}]0;pwned\u{7}"],
        ["reviewer", "add", "carol", "--display-name", ""],
        ["reviewer", "add", "dave", "--display-name", "Dr \u{202E}Tanaka"],
    ])
    func hostileNamesAreRefusedBeforeAnythingIsWritten(arguments: [String]) throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("rounds.sqlite").path
        do {
            _ = try Rounds.parseAsRoot(arguments + ["--db", db])
            Issue.record("accepted \(arguments)")
        } catch {
            let message = Rounds.message(for: error)
            #expect(message.contains("printable"), "\(message)")
            #expect(!message.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x7 }, "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func readingCommandsSayThereIsNoDatabaseAndCreateNone() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("new.sqlite").path
        for arguments in [["reviewer", "list"], ["stats"], ["export", "--format", "csv", "--out", folder.appendingPathComponent("x.csv").path]] {
            var command = try Rounds.parseAsRoot(arguments + ["--db", db])
            #expect(throws: FeedbackStoreError.noDatabase(path: db), "\(arguments)") { try command.run() }
            #expect(!FileManager.default.fileExists(atPath: db))
        }
        // and the help says which commands create one
        let help = Rounds.helpMessage(for: ReviewerCommand.List.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("create it if missing") && help.contains("refuse a missing one"), "\(help)")
        // while adding a reviewer creates it
        var add = try Rounds.parseAsRoot(["reviewer", "add", "tanaka", "--display-name", "田中 花子", "--db", db])
        try add.run()
        #expect(try FeedbackStore(path: db).reviewer(named: "tanaka")?.displayName == "田中 花子")
    }
}
