import Foundation
import ModelFiles
import Testing
@testable import Tokenizer

// The tokenizers and chat templates of the tiny family checkpoints (Tests/Fixtures/<family>,
// scripts/fixtures/make-tiny-<family>.py): byte-level BPEs in Qwen2's format (NFC, one digit
// per piece) and Llama 3's (up to three digits, ignore_merges), and for Gemma 3 a
// SentencePiece-style BPE with byte fallback in Gemma's layout, built with `tokenizers`;
// ids of Japanese, emoji, code, digits, CRLF, runs of spaces and literal special tokens as
// `tokenizers` encodes them, from tokenizer.json and from the GGUF's metadata (Gemma's: pieces
// and scores without merges, as llama.cpp's converter writes them).

private struct FamilyCases: Decodable {
    struct Case: Decodable {
        var text: String, ids: [Int], tokens: [String], decoded: String
    }

    var vocab_size: Int
    var bos: String?
    var eos: String?
    var special_ids: [String: Int]
    var cases: [Case]
    /// Id sequences and the text `tokenizers` decodes them to (byte-fallback runs, whole and broken).
    var decode_cases: [DecodeCase]?

    struct DecodeCase: Decodable {
        var ids: [Int], tokens: [String], decoded: String, decoded_skipping_special: String
    }
}

private struct ChatCase: Decodable {
    struct Message: Decodable { var role: String, content: String }
    var messages: [Message]
    var add_generation_prompt: Bool
    var text: String
    var ids: [Int]
}

@Suite struct FamilyTokenizerTests {
    static let families = ["qwen2", "qwen3", "llama3", "gemma3"]

    static func folder(_ name: String) -> URL { Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/\(name)") }

    private static func cases(_ name: String) throws -> FamilyCases {
        try JSONDecoder().decode(FamilyCases.self, from: Data(contentsOf: folder(name).appendingPathComponent("tokenizer-cases.json")))
    }

    @Test(arguments: families)
    func tokenizerJSONEncodesAndDecodesLikeTokenizers(_ name: String) throws {
        let tok = try BPETokenizer.load(modelPath: Self.folder(name))
        let file = try Self.cases(name)
        #expect(tok.vocabSize == file.vocab_size)
        #expect(tok.kind == (name == "gemma3" ? .sentencePieceBPE : .byteLevelBPE))
        #expect(file.cases.count >= 10)
        for c in file.cases {
            let ids = tok.encode(c.text)
            #expect(ids == c.ids, "\(name) encode \(c.text.debugDescription)")
            #expect(ids.map(tok.tokenString) == c.tokens, "\(name) tokens of \(c.text.debugDescription)")
            #expect(tok.decode(c.ids) == c.decoded, "\(name) decode of \(c.text.debugDescription)")
        }
        for (text, id) in file.special_ids {
            #expect(tok.tokenId(text) == id)
            #expect(tok.encode(text) == [id])
        }
        #expect(tok.eosTokenId.map(tok.tokenString) == file.eos)
        #expect(tok.bosTokenId.map(tok.tokenString) == file.bos)
    }

    @Test(arguments: families)
    func ggufMetadataGivesTheSameIds(_ name: String) throws {
        let tok = try BPETokenizer(gguf: GGUFFile(url: Self.folder(name).appendingPathComponent("model.gguf")))
        let file = try Self.cases(name)
        #expect(tok.kind == (name == "gemma3" ? .sentencePieceBPE : .byteLevelBPE))
        for c in file.cases {
            #expect(tok.encode(c.text) == c.ids, "\(name) (GGUF) encode \(c.text.debugDescription)")
            #expect(tok.decode(c.ids) == c.decoded, "\(name) (GGUF) decode of \(c.text.debugDescription)")
        }
        for c in file.decode_cases ?? [] {
            #expect(tok.decode(c.ids) == c.decoded, "\(name) (GGUF) decode \(c.tokens)")
        }
    }

    /// Gemma's tokenizer: the kind, byte fallback where the vocabulary lacks a character,
    /// spaces as "▁", and decoding of byte-token runs as the ByteFallback decoder does.
    @Test func gemmaTokenizerIsSentencePieceWithByteFallback() throws {
        let tok = try BPETokenizer.load(modelPath: Self.folder("gemma3"))
        let file = try Self.cases("gemma3")
        #expect(tok.kind == .sentencePieceBPE)
        let tokens = file.cases.flatMap(\.tokens)
        #expect(tokens.contains { $0.hasPrefix("<0x") } && tokens.contains { $0.hasPrefix("▁") })
        #expect(file.cases.contains { $0.text.contains("  ") } && file.cases.contains { $0.text.contains("\r\n") })
        let decodes = try #require(file.decode_cases)
        #expect(decodes.count >= 5 && decodes.contains { $0.decoded.contains("\u{FFFD}") })
        for c in decodes {
            #expect(c.ids.map(tok.tokenString) == c.tokens)
            #expect(tok.decode(c.ids) == c.decoded, "decode \(c.tokens)")
            #expect(tok.decode(c.ids, skipSpecialTokens: true) == c.decoded_skipping_special, "decode \(c.tokens) skipping special")
        }
        // A streamed answer stops inside a character spelled by byte tokens: the whole
        // characters are kept, the unfinished one dropped.
        let kan = try #require(decodes.first { $0.decoded == "患" })
        #expect(tok.decodeWholeCharacters(kan.ids) == "患" && tok.decodeWholeCharacters(Array(kan.ids.prefix(2))) == "")
        #expect(tok.tokenId("<0xE6>") == kan.ids[0] && tok.tokenId("▁") == tok.encode(" ").first)
        #expect(tok.endOfTurnTokenIds.contains(try #require(file.special_ids["<end_of_turn>"])))
    }

    /// A GGUF's SentencePiece vocabulary written out as tokenizer.json (for an exported
    /// policy) loads back to the same ids.
    @Test func gemmaGGUFTokenizerExportsToTokenizerJSON() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-gemma-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try TokenizerExport.write(forModelAt: Self.folder("gemma3").appendingPathComponent("model.gguf"), to: folder)
        let exported = try BPETokenizer.load(modelPath: folder)
        #expect(exported.kind == .sentencePieceBPE && exported.vocabSize == 384)
        for c in try Self.cases("gemma3").cases {
            #expect(exported.encode(c.text) == c.ids, "exported encode \(c.text.debugDescription)")
            #expect(exported.decode(c.ids) == c.decoded)
        }
    }

    /// SentencePiece layouts that add a prefix space (Llama 2, Mistral) are refused by name.
    @Test func prefixSpaceLayoutsAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-spm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var root = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder("gemma3").appendingPathComponent("tokenizer.json"))) as? [String: Any])
        root["normalizer"] = ["type": "Sequence", "normalizers": [["type": "Prepend", "prepend": "▁"],
                                                                 ["type": "Replace", "pattern": ["String": " "], "content": "▁"]]]
        let url = folder.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: root).write(to: url)
        do {
            _ = try BPETokenizer(tokenizerJSON: url)
            Issue.record("a prefix-space SentencePiece layout was accepted")
        } catch let error as TokenizerError {
            #expect(error.localizedDescription.contains("prefix space") && error.localizedDescription.contains(url.path))
        }
        // The same in a GGUF: llama.cpp adds the space unless add_space_prefix is false.
        let gemma = try GGUFFile(url: Self.folder("gemma3").appendingPathComponent("model.gguf"))
        for prefix in [true, false] {
            var w = GGUFWriter()
            for key in ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"] {
                try w.set(key, try #require(gemma.metadata[key]))
            }
            try w.set("tokenizer.ggml.add_space_prefix", .bool(prefix))
            let file = folder.appendingPathComponent("spm-\(prefix).gguf")
            try w.write(to: file)
            if prefix {
                #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: GGUFFile(url: file)) }
            } else {
                let tok = try BPETokenizer(gguf: GGUFFile(url: file))
                let c = try #require(try Self.cases("gemma3").cases.first { $0.text.contains("患者") })
                #expect(tok.encode(c.text) == c.ids)
            }
        }
    }

    @Test(arguments: families)
    func chatTemplateRendersLikeTransformers(_ name: String) throws {
        let tok = try BPETokenizer.load(modelPath: Self.folder(name))
        let template = try ChatTemplate.forTokenizer(tok)
        switch name {
        case "qwen2": #expect(template == .chatml(defaultSystemPrompt: ChatTemplate.qwenSystemPrompt))
        case "qwen3": #expect(template == .chatml(defaultSystemPrompt: nil))
        case "llama3": #expect(template == .llama3)
        default: #expect(template == .gemma)
        }
        let chats = try JSONDecoder().decode([ChatCase].self, from: Data(contentsOf: Self.folder(name).appendingPathComponent("chat.json")))
        #expect(chats.count == 2)
        for chat in chats {
            let messages = chat.messages.map { ChatMessage(role: $0.role, content: $0.content) }
            let rendered = try template.render(messages, addGenerationPrompt: chat.add_generation_prompt)
            #expect(rendered.text == chat.text, "\(name)")
            #expect(tok.encode(rendered.text) == chat.ids, "\(name)")
            if let last = messages.last, last.role == "assistant" {
                let span = try #require(rendered.assistantSpans.last)
                let trained = String(decoding: Array(rendered.text.utf8)[span], as: UTF8.self)
                #expect(trained == last.content + template.endOfTurn)
            }
        }
    }
}
