import ArgumentParser
import FeedbackStore
import Foundation
import Privacy
import Testing
@testable import rounds

@Suite struct ScrubCommandTests {
    @Test func jsonListsSpansWithUTF8AndCharacterOffsets() throws {
        let result = Scrubber.standard.scrub("患者 山田太郎、TEL 090-1234-5678")
        let json = String(decoding: try ScrubCommand.json(result), as: UTF8.self)
        #expect(json.contains(#""text":"患者 〔氏名〕、TEL [PHONE]""#))
        #expect(json.contains(#""kind":"name""#) && json.contains(#""utf8_start":7"#) && json.contains(#""char_start":3"#))
        #expect(json.contains(#""kind":"phone""#) && json.contains(#""placeholder":"[PHONE]""#))
    }

    @Test func aBadIdPatternIsNamedWithAnExample() throws {
        #expect { try ScrubCommand.scrubber(["(unclosed"]) } throws: { error in
            "\(error)".contains("--id-pattern") && "\(error)".contains("(unclosed")
        }
        let custom = try ScrubCommand.scrubber([#"\bRX\d{4}\b"#])
        #expect(custom.scrub("RX1234").text == "[ID]")
    }

    @Test func importsScrubUnlessToldTheDataIsDeidentified() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-scrub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("rounds.sqlite").path
        let first = folder.appendingPathComponent("a.jsonl"), second = folder.appendingPathComponent("b.jsonl")
        try #"{"prompt": "田中さん（090-1234-5678）の頭痛"}"#.write(to: first, atomically: true, encoding: .utf8)
        try #"{"prompt": "佐藤さんの腹痛"}"#.write(to: second, atomically: true, encoding: .utf8)

        var command = try Rounds.parseAsRoot(["prompts", "import", first.path, "--db", db])
        try command.run()
        command = try Rounds.parseAsRoot(["prompts", "import", second.path, "--no-scrub", "--db", db])
        try command.run()

        let store = try FeedbackStore(path: db)
        let texts = try [1, 2].map { try store.prompt(id: $0)?.text }
        #expect(texts == ["〔氏名〕さん（[PHONE]）の頭痛", "佐藤さんの腹痛"])
        #expect(try store.imports().map(\.scrubbed) == [true, false])
    }
}
