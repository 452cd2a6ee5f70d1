import Foundation
import ModelFiles
import Testing
@testable import Tokenizer

/// Tokenizers from small GGUF files written here (metadata only, no tensors), for the
/// metadata the base model does not exercise.
@Suite struct GGUFMetadataTests {
    enum Value { case string(String), strings([String]), ints([Int32]), int(UInt32) }

    /// GGUF v3 bytes: header, then each key with its typed value (ggml docs/gguf.md).
    static func gguf(_ kvs: [(String, Value)]) throws -> GGUFFile {
        var d = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); d.append(contentsOf: Array(s.utf8)) }
        u32(3); u64(0); u64(UInt64(kvs.count))
        for (key, value) in kvs {
            str(key)
            switch value {
            case let .string(s): u32(8); str(s)
            case let .int(i): u32(4); u32(i)
            case let .strings(a): u32(9); u32(8); u64(UInt64(a.count)); a.forEach(str)
            case let .ints(a): u32(9); u32(5); u64(UInt64(a.count)); a.forEach { u32(UInt32(bitPattern: $0)) }
            }
        }
        return try GGUFFile(url: URL(fileURLWithPath: "/models/test.gguf"), data: d)
    }

    /// Vocabulary: the bytes of "Hello world 1234", merges to "Hello", "Ġworld", "12",
    /// "123", and the Llama 3 control tokens.
    static func llama3Style(pre: String) throws -> GGUFFile {
        let singles = ["H", "e", "l", "o", "Ġ", "w", "r", "d", "1", "2", "3", "4"]
        let merged = ["He", "ll", "Hell", "Hello", "Ġw", "or", "Ġwor", "Ġworl", "Ġworld", "12", "123"]
        let specials = ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"]
        let tokens = singles + merged + specials
        let merges = ["H e", "l l", "He ll", "Hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d", "1 2", "12 3"]
        let types = tokens.map { specials.contains($0) ? Int32(3) : 1 }
        return try gguf([
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .strings(tokens)), ("tokenizer.ggml.merges", .strings(merges)),
            ("tokenizer.ggml.token_type", .ints(types)),
            ("tokenizer.ggml.bos_token_id", .int(UInt32(tokens.firstIndex(of: "<|begin_of_text|>")!))),
            ("tokenizer.ggml.eos_token_id", .int(UInt32(tokens.firstIndex(of: "<|eot_id|>")!))),
            ("tokenizer.chat_template", .string("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}{{ '<|eot_id|>' }}")),
        ])
    }

    @Test func llama3PreTokenizerGroupsDigitsByThreeAndQwen2ByOne() throws {
        let llama = try BPETokenizer(gguf: Self.llama3Style(pre: "llama-bpe"))
        let qwen = try BPETokenizer(gguf: Self.llama3Style(pre: "qwen2"))
        func spelled(_ t: BPETokenizer, _ s: String) -> [String] { t.encode(s).map(t.tokenString) }
        #expect(spelled(llama, "Hello world 1234") == ["Hello", "Ġworld", "Ġ", "123", "4"])
        #expect(spelled(qwen, "Hello world 1234") == ["Hello", "Ġworld", "Ġ", "1", "2", "3", "4"])
        #expect(try ChatTemplate.forTokenizer(llama) == .llama3)
        #expect(llama.endOfTurnTokenIds == [try #require(llama.tokenId("<|eot_id|>"))])
        // Control tokens in the rendered prompt are matched whole; the BOS comes from the template.
        let ids = llama.encode(try ChatTemplate.llama3.prompt([.user("Hello")]))
        let bos = try #require(llama.bosTokenId), eot = try #require(llama.eosTokenId)
        #expect(Array(ids.prefix(2)) == [bos, try #require(llama.tokenId("<|start_header_id|>"))])
        #expect(ids.filter { $0 == bos }.count == 1 && ids.filter { $0 == eot }.count == 1)
        #expect(ids.contains(try #require(llama.tokenId("Hello"))))
    }

    @Test func metadataProblemsNameTheFileAndKey() throws {
        let wordPiece = try Self.gguf([("tokenizer.ggml.model", .string("bert")), ("tokenizer.ggml.tokens", .strings(["a"]))])
        let e1 = #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: wordPiece) }
        #expect(e1?.localizedDescription.contains("/models/test.gguf: tokenizer.ggml.model is \"bert\"") == true)
        // A SentencePiece vocabulary needs its scores (its merges follow from them).
        let noScores = try Self.gguf([("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .strings(["a"]))])
        let e0 = #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: noScores) }
        #expect(e0?.localizedDescription.contains("/models/test.gguf: tokenizer.ggml.scores is missing") == true)

        let e2 = #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: Self.llama3Style(pre: "falcon")) }
        #expect(e2?.localizedDescription.contains("tokenizer.ggml.pre is \"falcon\"") == true)

        let noTokens = try Self.gguf([("tokenizer.ggml.model", .string("gpt2"))])
        let e3 = #expect(throws: ModelFileError.self) { try BPETokenizer(gguf: noTokens) }
        #expect(e3 == .missingMetadata(file: "/models/test.gguf", key: "tokenizer.ggml.tokens"))

        let badMerge = try Self.gguf([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.tokens", .strings(["a"])),
                                      ("tokenizer.ggml.merges", .strings(["ab"]))])
        let e4 = #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: badMerge) }
        #expect(e4?.localizedDescription.contains("tokenizer.ggml.merges[0]") == true)

        let badEOS = try Self.gguf([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.tokens", .strings(["a"])),
                                    ("tokenizer.ggml.merges", .strings([])), ("tokenizer.ggml.eos_token_id", .int(5))])
        let e5 = #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: badEOS) }
        #expect(e5?.localizedDescription.contains("eos token id") == true)
    }

    @Test func bytesMissingFromTheVocabularyBecomeTheUnknownToken() throws {
        let file = try Self.gguf([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.tokens", .strings(["<unk>", "a", "b"])),
                                  ("tokenizer.ggml.merges", .strings([])), ("tokenizer.ggml.token_type", .ints([2, 1, 1])),
                                  ("tokenizer.ggml.unknown_token_id", .int(0))])
        let tok = try BPETokenizer(gguf: file)
        #expect(tok.encode("abc") == [1, 2, 0])
        #expect(tok.encode("ca") == [0, 1])
    }
}
