import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// Seeded random input for the JSONL importers: valid lines mutated byte by byte, fields
/// given values of every JSON type, lines cut short, random bytes. An import may fail (with a
/// FeedbackStoreError naming file and line, storing nothing) but never crash. Deterministic:
/// the same seeds give the same files on every run.
@Suite struct ImportFuzzTests {
    static let seeds: [String] = [
        #"{"prompt": "発熱が3日続いています。", "policy": "v1", "completion": "受診してください。", "token_count": 5, "logprob_sum": -7.25, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "seed": 42}"#,
        #"{"prompt": [{"role": "system", "content": "careful"}, {"role": "user", "content": "Dose?"}], "policy": "v2", "completion": [{"role": "assistant", "content": "500 mg"}]}"#,
        #"{"messages": [{"role": "user", "content": "胸が痛い"}, {"role": "assistant", "content": "救急へ"}], "policy": "v1", "text": "救急へ"}"#,
        #"{"prompt": "田中さん 090-1234-5678", "policy": "v3", "text": "x"}"#,
    ]
    static let values = [
        "null", "true", "0", "-1", "1e308", "-1e308", "1.5", "18446744073709551616", "\"\"", "\"\\u0000\"", "\"\\ud800\"",
        "[]", "{}", "[[[[[[[[[[]]]]]]]]]]", "\"\\u001b[2J\"", "[{\"role\": \"user\"}]", "[{\"role\": 1, \"content\": []}]",
        "\"" + String(repeating: "長", count: 300) + "\"",
    ]
    static let keys = ["prompt", "policy", "completion", "text", "messages", "token_count", "logprob_sum", "temperature", "top_p", "top_k", "seed"]

    /// One mutated file of 1–4 lines.
    static func file(_ rng: inout SeededGenerator) -> Data {
        var lines: [[UInt8]] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            var line = Array(seeds.randomElement(using: &rng)!.utf8)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:  // flip random bytes
                for _ in 0..<Int.random(in: 1...8, using: &rng) where !line.isEmpty {
                    line[Int.random(in: 0..<line.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:  // cut short
                line = Array(line.prefix(Int.random(in: 0..<line.count, using: &rng)))
            case 2:  // a field takes another value
                let key = keys.randomElement(using: &rng)!, value = values.randomElement(using: &rng)!
                line = Array(#"{"prompt": "p", "policy": "v1", "completion": "c", "\#(key)": \#(value)}"#.utf8)
            case 3:  // random bytes
                line = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 4:  // insert a special byte sequence somewhere
                let specials: [[UInt8]] = [[0], [0x1B], [0xC3], [0xE2, 0x80, 0xAE], [0x0D], [0x22], [0x5C], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE]]
                line.insert(contentsOf: specials.randomElement(using: &rng)!, at: Int.random(in: 0...line.count, using: &rng))
            default:
                break  // valid
            }
            lines.append(line)
        }
        return Data(lines.joined(separator: [0x0A]))
    }

    @Test func importersNeverCrashOnRandomInput() throws {
        let store = try FeedbackStore.inMemory()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var failures = 0, imported = 0
        for seed in UInt64(0)..<300 {
            var rng = SeededGenerator(seed: seed)
            let url = folder.appendingPathComponent("fuzz-\(seed).jsonl")
            try Self.file(&rng).write(to: url)
            for samples in [false, true] {
                let before = try store.reader.read { db in try Prompt.fetchCount(db) + Sample.fetchCount(db) }
                do {
                    if samples { try store.importSamples(from: url) } else { try store.importPrompts(from: url) }
                    imported += 1
                } catch let error as FeedbackStoreError {
                    // A refused file names itself and stores nothing
                    failures += 1
                    #expect(error.localizedDescription.contains("fuzz-\(seed).jsonl"), "seed \(seed): \(error.localizedDescription)")
                    let after = try store.reader.read { db in try Prompt.fetchCount(db) + Sample.fetchCount(db) }
                    #expect(after == before, "seed \(seed)")
                } catch {
                    Issue.record("seed \(seed): not a FeedbackStoreError: \(error)")
                }
            }
        }
        // Both outcomes were exercised
        #expect(failures > 100 && imported > 10, "failures \(failures), imported \(imported)")
    }
}
