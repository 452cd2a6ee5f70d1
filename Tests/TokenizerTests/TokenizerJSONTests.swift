import Foundation
import ModelFiles
import Testing
@testable import Tokenizer

/// Loading from a Hugging Face tokenizer.json: one written from the base model's GGUF
/// vocabulary must give the GGUF tokenizer's ids; a hand-made one gives hand-computed ids.
@Suite struct TokenizerJSONTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ object: Any, to url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    /// A tokenizer.json (and tokenizer_config.json) holding the GGUF's vocabulary.
    static func folderFromGGUF(preTokenizer: Any, mergesAsPairs: Bool) throws -> URL {
        let gguf = try GGUFFile(url: Fixtures.modelPath)
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let types = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue?.compactMap(\.intValue) ?? []
        let merges = try gguf.strings("tokenizer.ggml.merges")
        var vocab: [String: Int] = [:]
        var added: [[String: Any]] = []
        for (id, t) in tokens.enumerated() {
            if types[id] == 3 {
                added.append(["id": id, "content": t, "special": true, "lstrip": false, "rstrip": false, "normalized": false, "single_word": false])
            }
            vocab[t] = id
        }
        let model: [String: Any] = [
            "type": "BPE", "vocab": vocab,
            "merges": mergesAsPairs ? merges.map { $0.split(separator: " ", maxSplits: 1).map(String.init) } as Any : merges as Any,
        ]
        let root: [String: Any] = [
            "version": "1.0", "added_tokens": added, "normalizer": NSNull(), "pre_tokenizer": preTokenizer,
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true], "model": model,
        ]
        let folder = try temporaryFolder()
        try write(root, to: folder.appendingPathComponent("tokenizer.json"))
        try write([
            "bos_token": "<|im_start|>", "eos_token": ["content": "<|im_end|>"], "pad_token": "<|im_end|>",
            "unk_token": "<|endoftext|>", "chat_template": try gguf.string("tokenizer.chat_template"),
        ] as [String: Any], to: folder.appendingPathComponent("tokenizer_config.json"))
        return folder
    }

    @Test func tokenizerJSONFromTheGGUFVocabularyGivesTheFixtureIds() throws {
        let file = try Fixtures.tokenizerCases()
        let pre = try JSONSerialization.jsonObject(with: JSONEncoder().encode(file.hf_pre_tokenizer))
        let folder = try Self.folderFromGGUF(preTokenizer: pre, mergesAsPairs: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tok = try BPETokenizer.load(modelPath: folder)
        let gguf = try Fixtures.tokenizer()
        for c in file.cases {
            #expect(tok.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(tok.decode(c.ids) == c.decoded)
        }
        #expect(tok.vocabSize == gguf.vocabSize)
        #expect(tok.bosTokenId == gguf.bosTokenId)
        #expect(tok.eosTokenId == gguf.eosTokenId)
        #expect(tok.paddingTokenId == gguf.paddingTokenId)
        #expect(tok.unknownTokenId == gguf.unknownTokenId)
        #expect(tok.specialTokenIds == gguf.specialTokenIds)
        #expect(try ChatTemplate.forTokenizer(tok) == ChatTemplate.forTokenizer(gguf))
    }

    @Test func digitsThenByteLevelEqualsTheGGUFSmolLMRuleOnAnyText() throws {
        let pre: [String: Any] = ["type": "Sequence", "pretokenizers": [
            ["type": "Digits", "individual_digits": true],
            ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
        ]]
        let folder = try Self.folderFromGGUF(preTokenizer: pre, mergesAsPairs: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tok = try BPETokenizer(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"))
        let gguf = try Fixtures.tokenizer()
        #expect(tok.preTokenizer == gguf.preTokenizer)
        for text in PreTokenizerTests.samples + PreTokenizerTests.randomStrings(seed: 9, count: 300) + RoundTripTests.texts {
            #expect(tok.encode(text) == gguf.encode(text), "\(text.debugDescription)")
        }
    }

    /// vocab a b Ġ ab Ġab aa; merges (a,b) < (Ġ,ab) < (a,a); added "<x>".
    static func handMade(merges: Any) throws -> BPETokenizer {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("tokenizer.json")
        try write([
            "added_tokens": [["id": 6, "content": "<x>", "special": true]],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
            "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4, "aa": 5], "merges": merges],
        ] as [String: Any], to: url)
        return try BPETokenizer(tokenizerJSON: url)
    }

    @Test func handMadeVocabularyMergesByRankThenLeftmost() throws {
        for merges in [["a b", "Ġ ab", "a a"], [["a", "b"], ["Ġ", "ab"], ["a", "a"]]] as [Any] {
            let tok = try Self.handMade(merges: merges)
            // "aab": (a,b) outranks (a,a), so "aa" never forms → a ab; " ab" → Ġ ab → Ġab.
            #expect(tok.encode("aab ab") == [0, 3, 4])
            // "aaa": two (a,a) pairs of equal rank, the leftmost merges first.
            #expect(tok.encode("aaa") == [5, 0])
            #expect(tok.encode("a<x>b") == [0, 6, 1])
            #expect(tok.decode([0, 6, 1, 4]) == "a<x>b ab")
            #expect(tok.specialTokenIds == [6])
        }
    }

    @Test func badTokenizerFilesNameTheFileAndField() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("tokenizer.json")
        let cases: [([String: Any], String)] = [
            (["model": ["type": "WordPiece", "vocab": ["a": 0]]], "model.type"),
            (["model": ["type": "BPE", "vocab": ["a": 0], "merges": ["a b", 7]], "pre_tokenizer": ["type": "ByteLevel"]], "model.merges[1]"),
            (["model": ["type": "BPE", "vocab": ["a": 0], "merges": []], "pre_tokenizer": ["type": "Metaspace"]], "pre_tokenizer"),
            (["model": ["type": "BPE"]], "model.vocab"),
        ]
        for (root, field) in cases {
            try Self.write(root, to: url)
            let error = #expect(throws: TokenizerError.self) { try BPETokenizer(tokenizerJSON: url) }
            let message = error?.localizedDescription ?? ""
            #expect(message.contains(url.path) && message.contains(field), "\(message)")
        }
        let missing = folder.appendingPathComponent("nothing-here")
        #expect(throws: TokenizerError.noTokenizer(path: missing.path)) { try BPETokenizer.load(modelPath: missing) }
        try FileManager.default.removeItem(at: url)
        #expect(throws: TokenizerError.noTokenizer(path: folder.path)) { try BPETokenizer.load(modelPath: folder) }
    }
}
