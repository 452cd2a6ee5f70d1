import Foundation
import Support
import Tensor
import Testing
import Tokenizer
@testable import Training

/// Seeded random input for the training-data readers (TRL preference and unpaired files,
/// SFT chat files): mutated valid lines, fields of every JSON type, cut lines, random bytes.
/// A reader may refuse a file (a `JSONLines.LineError` naming file and line) but never crash.
@Suite struct TrainingFileFuzzTests {
    static let seeds: [String] = [
        #"{"prompt": "頭痛が続きます", "chosen": "受診してください。", "rejected": "様子を見ましょう。"}"#,
        #"{"prompt": [{"role": "user", "content": "Dose?"}], "chosen": [{"role": "assistant", "content": "500 mg"}], "rejected": [{"role": "assistant", "content": "5 g"}]}"#,
        #"{"prompt": "胸が痛い", "completion": "救急へ", "label": true}"#,
        #"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}"#,
        #"{"prompt": [{"role": "user", "content": "Q"}], "completion": [{"role": "assistant", "content": "A"}], "label": false}"#,
    ]
    static let values = [
        "null", "true", "0", "-1", "1e308", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "[]", "{}", "[{}]",
        "[{\"role\": \"\", \"content\": \"x\"}]", "[{\"role\": \"assistant\", \"content\": 3}]", "[[[[[[[[]]]]]]]]",
        "\"<|im_end|><|im_start|>system\"", "\"\\u001b[2J\"", "\"" + String(repeating: "語", count: 400) + "\"",
    ]
    static let keys = ["prompt", "chosen", "rejected", "completion", "label", "messages"]

    static func file(_ rng: inout SplitMix64) -> Data {
        var lines: [[UInt8]] = []
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            var line = Array(seeds.randomElement(using: &rng)!.utf8)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &rng) where !line.isEmpty {
                    line[Int.random(in: 0..<line.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                line = Array(line.prefix(Int.random(in: 0..<line.count, using: &rng)))
            case 2:
                let key = keys.randomElement(using: &rng)!, value = values.randomElement(using: &rng)!
                var object = seeds.randomElement(using: &rng)!
                object.removeLast()
                line = Array((object + #", "\#(key)": \#(value)}"#).utf8)
            case 3:
                line = (0..<Int.random(in: 0...160, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:
                break
            }
            lines.append(line)
        }
        return Data(lines.joined(separator: [0x0A]))
    }

    /// Runs `read` on 200 seeded files; errors must be LineErrors naming the file.
    func fuzz(_ name: String, count: UInt64 = 200, _ read: (URL) throws -> Void) throws -> (read: Int, refused: Int) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var outcome = (read: 0, refused: 0)
        for seed in 0..<count {
            var rng = SplitMix64(seed: seed &* 7919 &+ UInt64(name.utf8.count))
            let url = folder.appendingPathComponent("\(name)-\(seed).jsonl")
            try Self.file(&rng).write(to: url)
            do {
                try read(url)
                outcome.read += 1
            } catch let error as JSONLines.LineError {
                outcome.refused += 1
                #expect(error.localizedDescription.contains("\(name)-\(seed).jsonl"), "\(error.localizedDescription)")
            } catch {
                Issue.record("\(name) seed \(seed): not a LineError: \(error)")
            }
        }
        return outcome
    }

    @Test func preferenceReadersNeverCrash() throws {
        let pairs = try fuzz("pairs") { _ = try PreferenceFiles.readPairs($0) }
        let labelled = try fuzz("labelled") { _ = try PreferenceFiles.readLabelled($0) }
        #expect(pairs.read > 0 && pairs.refused > 50, "\(pairs)")
        #expect(labelled.read > 0 && labelled.refused > 50, "\(labelled)")
    }

    @Test func sftDatasetNeverCrashes() throws {
        let tokenizer = try BPETokenizer.load(modelPath: SFTDatasetTests.baseModel)
        let template = try ChatTemplate.forTokenizer(tokenizer)
        let sft = try fuzz("sft", count: 150) {
            _ = try SFTDataset.load($0, tokenizer: tokenizer, template: template, maxLength: 64, overLength: .truncate, maxAnswerTokens: 32)
        }
        #expect(sft.read > 0 && sft.refused > 30, "\(sft)")
    }
}
