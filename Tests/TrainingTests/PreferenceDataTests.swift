import Foundation
import Support
import Testing
import Tokenizer
@testable import Training

/// TRL preference / unpaired JSONL reading and chat-template encoding.
@Suite struct PreferenceDataTests {
    static func file(_ lines: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pref-\(UUID()).jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }

    static let pairLines = [
        #"{"prompt": "Is 38.5 C a fever?", "chosen": "Yes, in adults.", "rejected": "No."}"#,
        "",
        #"{"prompt": [{"role": "system", "content": "診療支援"}, {"role": "user", "content": "発熱時の水分補給は？"}], "chosen": [{"role": "assistant", "content": "少量ずつこまめに。"}], "rejected": "不要です。"}"#,
    ]

    @Test func readsStringAndMessageForms() throws {
        let url = try Self.file(Self.pairLines)
        defer { try? FileManager.default.removeItem(at: url) }
        let (pairs, sources) = try PreferenceFiles.readPairs(url)
        #expect(pairs.count == 2)
        #expect(pairs[0].prompt == [.user("Is 38.5 C a fever?")])
        #expect(pairs[0].chosen == [.assistant("Yes, in adults.")])
        #expect(pairs[1].prompt == [.system("診療支援"), .user("発熱時の水分補給は？")])
        #expect(pairs[1].rejected == [.assistant("不要です。")])
        #expect(sources == ["\(url.path):1", "\(url.path):3"])

        let (labelled, labelledSources) = try PreferenceFiles.readPairsAsLabelled(url)
        #expect(labelled.map(\.desirable) == [true, true, false, false])
        #expect(labelled[2].completion == [.assistant("No.")])
        #expect(labelledSources[2] == sources[0])
    }

    @Test(arguments: [
        (#"{"prompt": "p", "chosen": "c"}"#, "missing field 'rejected'"),
        (#"{"prompt": "p", "chosen": 3, "rejected": "r"}"#, "chosen"),
        (#"{"prompt": [], "chosen": "c", "rejected": "r"}"#, "'prompt' is empty"),
        (#"{"prompt": "p", "chosen": [{"role": "user", "content": "c"}], "rejected": "r"}"#, "must end with an assistant message"),
        ("not json", "not valid JSON"),
    ])
    func badPairLineNamesFileLineAndField(line: String, reason: String) throws {
        let url = try Self.file([Self.pairLines[0], line])
        defer { try? FileManager.default.removeItem(at: url) }
        let error = try #require(throws: JSONLines.LineError.self) { try PreferenceFiles.readPairs(url) }
        #expect(error.line == 2 && error.file == url.path)
        #expect(error.reason.contains(reason), "reason: \(error.reason)")
    }

    @Test func readsUnpairedLabels() throws {
        let url = try Self.file([
            #"{"prompt": "p1", "completion": "good", "label": true}"#,
            #"{"prompt": "p2", "completion": [{"role": "assistant", "content": "bad"}], "label": false}"#,
            #"{"prompt": "p3", "completion": "x", "label": "yes"}"#,
        ])
        defer { try? FileManager.default.removeItem(at: url) }
        let error = try #require(throws: JSONLines.LineError.self) { try PreferenceFiles.readLabelled(url) }
        #expect(error.line == 3 && error.reason.contains("label"))
        try Data(try String(contentsOf: url, encoding: .utf8).split(separator: "\n").prefix(2).joined(separator: "\n").utf8).write(to: url)
        let (examples, _) = try PreferenceFiles.readLabelled(url)
        #expect(examples.map(\.desirable) == [true, false])
        #expect(examples[1].completion == [.assistant("bad")])
    }

    /// The real model's tokenizer and template (the base GGUF must be present).
    static func encoder(maxLength: Int = 1024, maxPromptLength: Int = 512) throws -> PreferenceEncoder {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tokenizer = try BPETokenizer.load(modelPath: root.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"))
        return PreferenceEncoder(tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer),
                                 maxLength: maxLength, maxPromptLength: maxPromptLength)
    }

    @Test func encodesPromptWithGenerationPromptAndCompletionWithEndOfTurn() throws {
        var encoder = try Self.encoder()
        let pair = PreferencePair(prompt: [ChatMessage.user("発熱時の水分補給は？")],
                                  chosen: [ChatMessage.assistant("少量ずつこまめに。")], rejected: [ChatMessage.assistant("不要です。")])
        let ids = try encoder.encode(pair)
        let tokenizer = encoder.tokenizer, template = encoder.template
        #expect(ids.prompt.map(Int.init) == tokenizer.encode(try template.prompt(pair.prompt)))
        #expect(tokenizer.decode(ids.prompt.map(Int.init)).hasSuffix(template.generationPrompt))
        #expect(tokenizer.decode(ids.chosen.map(Int.init)) == "少量ずつこまめに。" + template.endOfTurn)
        #expect(tokenizer.decode(ids.rejected.map(Int.init)) == "不要です。" + template.endOfTurn)
        #expect(ids.chosen.last.map(Int.init) == tokenizer.tokenId(template.endOfTurn))
        #expect(encoder.truncated.isEmpty)
    }

    @Test func overLongPromptKeepsItsEndAndCompletionIsCut() throws {
        let long = String(repeating: "chest pain and shortness of breath ", count: 40)
        var encoder = try Self.encoder(maxLength: 64, maxPromptLength: 40)
        let full = try encoder.promptIDs([.user(long)])
        let ids = try encoder.encode(LabelledCompletion(prompt: [ChatMessage.user(long)], completion: [ChatMessage.assistant(long)], desirable: true),
                                     source: "f.jsonl:7")
        #expect(ids.prompt == Array(full.suffix(40)))
        #expect(ids.prompt.count + ids.completion.count == 64)
        #expect(encoder.truncated == ["f.jsonl:7"])
    }
}
