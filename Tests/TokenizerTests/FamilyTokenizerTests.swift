import Foundation
import ModelFiles
import Testing
@testable import Tokenizer

// The tokenizers and chat templates of the tiny family checkpoints (Tests/Fixtures/<family>,
// scripts/fixtures/make-tiny-<family>.py): byte-level BPEs in Qwen2's format (NFC, one digit
// per piece) and Llama 3's (up to three digits, ignore_merges), trained with `tokenizers`;
// ids of Japanese, emoji, code, digits, CRLF and literal special tokens as `tokenizers`
// encodes them, from tokenizer.json and from the GGUF's metadata.

private struct FamilyCases: Decodable {
    struct Case: Decodable {
        var text: String, ids: [Int], tokens: [String], decoded: String
    }

    var vocab_size: Int
    var bos: String?
    var eos: String?
    var special_ids: [String: Int]
    var cases: [Case]
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
        for c in try Self.cases(name).cases {
            #expect(tok.encode(c.text) == c.ids, "\(name) (GGUF) encode \(c.text.debugDescription)")
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
