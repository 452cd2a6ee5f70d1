import Foundation
import GRDB
import Support
import Testing
@testable import FeedbackStore

/// Import files an attacker (or an accident) could hand over: each bad one is refused with
/// FILE:LINE and what is wrong, and nothing is stored.
@Suite struct HostileImportTests {
    func file(_ data: Data, _ name: String = "samples.jsonl") throws -> URL {
        let url = try temporaryFolder().appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    func file(_ lines: [String], _ name: String = "samples.jsonl") throws -> URL {
        try file(Data((lines.joined(separator: "\n") + "\n").utf8), name)
    }

    /// The message of the error `body` throws (an error is required).
    func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            Issue.record("expected an error")
            return ""
        } catch {
            return error.localizedDescription
        }
    }

    @Test(arguments: [
        (#"{"prompt": "頭痛", "policy": "v1", "completion": ""}"#, "answer is empty"),
        (#"{"prompt": "頭痛", "policy": "v1", "completion": " \n\u3000"}"#, "answer is empty"),
        (#"{"prompt": "頭痛", "policy": "v1", "completion": "x", "temperature": -5}"#, "'temperature'"),
        (#"{"prompt": "頭痛", "policy": "v1", "completion": "x", "top_p": 7}"#, "'top_p'"),
        (#"{"prompt": "頭痛", "policy": "v1", "completion": "x", "top_p": 0}"#, "'top_p'"),
        (#"{"prompt": "頭痛", "policy": "v1", "completion": "x", "top_k": -1}"#, "'top_k'"),
        (#"{"prompt": "c\u0000hidden", "policy": "v1", "completion": "x"}"#, "NUL"),
        (#"{"prompt": [{"role": "user", "content": "a\u0000b"}], "policy": "v1", "completion": "x"}"#, "NUL"),
        (#"{"prompt": "頭痛", "policy": "v1", "completion": "x\u0000y"}"#, "NUL"),
        (#"{"prompt": "頭痛", "policy": "v\u001b[2J", "completion": "x"}"#, "'policy'"),
    ])
    func aBadSampleLineIsNamedAndNothingIsStored(line: String, expected: String) throws {
        // Given a good first line and the bad one second
        let store = try FeedbackStore.inMemory()
        let url = try file([#"{"prompt": "めまい", "policy": "v1", "completion": "横になってください"}"#, line], "bad.jsonl")
        // When imported, Then the error is bad.jsonl:2 with the reason, and nothing is stored
        let text = message { try store.importSamples(from: url) }
        #expect(text.hasPrefix("bad.jsonl:2: ") && text.contains(expected), "\(text)")
        #expect(!text.contains(".."), "\(text)")
        #expect(try store.reader.read { db in try Sample.fetchCount(db) + Prompt.fetchCount(db) } == 0)
    }

    @Test func samplingParametersTheSamplerAcceptsAreImported() throws {
        let store = try FeedbackStore.inMemory()
        let url = try file([
            #"{"prompt": "頭痛", "policy": "v1", "completion": "a", "temperature": 0, "top_p": 1, "top_k": 0}"#,
            #"{"prompt": "頭痛", "policy": "v1", "completion": "b", "temperature": 1.3, "top_p": 0.05, "top_k": 40}"#,
        ])
        #expect(try store.importSamples(from: url, scrubber: nil).added == 2)
    }

    @Test func aNULInAPromptFileIsRefusedToo() throws {
        let store = try FeedbackStore.inMemory()
        let url = try file([#"{"prompt": "ok"}"#, #"{"prompt": "c\u0000hidden"}"#], "p.jsonl")
        let text = message { try store.importPrompts(from: url) }
        #expect(text.hasPrefix("p.jsonl:2: ") && text.contains("NUL"), "\(text)")
    }

    @Test func binaryGarbageGetsAClearMessage() throws {
        // Given 3,000 random bytes (seeded) and a file that is UTF-16 text
        var rng = SeededGenerator(seed: 7)
        let garbage = Data((0..<3000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let store = try FeedbackStore.inMemory()
        let binary = message { try store.importPrompts(from: try file(garbage, "garbage.jsonl")) }
        #expect(binary.hasPrefix("garbage.jsonl:1: ") && (binary.contains("binary") || binary.contains("not UTF-8")), "\(binary)")
        #expect(!binary.contains("..") && !binary.contains("--->"), "\(binary)")
        let utf16 = Data(#"{"prompt": "頭痛"}"#.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let wide = message { try store.importPrompts(from: try file(utf16, "utf16.jsonl")) }
        #expect(wide.hasPrefix("utf16.jsonl:1: ") && wide.contains("UTF-8"), "\(wide)")
    }

    @Test func aLineOverTheSizeLimitIsRefusedWithTheLimit() throws {
        // Given a 5 MB prompt on line 2
        let store = try FeedbackStore.inMemory()
        let big = #"{"prompt": ""# + String(repeating: "a", count: 5_000_000) + #""}"#
        let url = try file([#"{"prompt": "ok"}"#, big], "big.jsonl")
        // Then it is refused, naming the line and the limit
        let text = message { try store.importPrompts(from: url) }
        #expect(text.hasPrefix("big.jsonl:2: ") && text.contains("1 MiB"), "\(text)")
        #expect(try store.reader.read { db in try Prompt.fetchCount(db) } == 0)
        // And a line just under the limit is accepted
        let fits = #"{"prompt": ""# + String(repeating: "b", count: JSONLines.maximumLineBytes - 20) + #""}"#
        #expect(try store.importPrompts(from: try file([fits], "fits.jsonl"), scrubber: nil).added == 1)
    }
}
