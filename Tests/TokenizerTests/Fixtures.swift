import Foundation
import ModelFiles
@testable import Tokenizer

/// Paths and shared objects of the tests: the package root from this file's path, the
/// reference fixtures in Tests/Fixtures/reference, and the real base model (tests fail when it is missing).
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("Tests/Fixtures/reference")
    static let modelPath = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    struct TokenizerCase: Decodable {
        var text: String
        var ids: [Int]
        var tokens: [String]
        var decoded: String
        var roundtrip_equal: Bool
    }

    struct TokenizerFile: Decodable {
        var vocab_size: Int
        var bos: String
        var eos: String
        var special_ids: [String: Int]
        var hf_pre_tokenizer: [String: JSONValue]
        var cases: [TokenizerCase]
    }

    struct PromptCase: Decodable {
        var user: String
        var rendered_prompt: String
        var prompt_ids: [Int]
        var response: String?
        var response_ids: [Int]?
    }

    static func load<T: Decodable>(_ name: String, as: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func tokenizerCases() throws -> TokenizerFile { try load("tokenizer.json") }

    /// The prompts of greedy.json and logprobs.json.
    static func promptCases() throws -> [PromptCase] {
        struct Greedy: Decodable { var prompts: [PromptCase] }
        struct Logprobs: Decodable { var pairs: [PromptCase] }
        return try load("greedy.json", as: Greedy.self).prompts + load("logprobs.json", as: Logprobs.self).pairs
    }

    /// The base model's tokenizer, loaded once.
    static let smolLM: Result<BPETokenizer, Error> = Result { try BPETokenizer(gguf: GGUFFile(url: modelPath)) }
    static func tokenizer() throws -> BPETokenizer { try smolLM.get() }
}

/// Any JSON value, to carry fixture fields through unchanged.
enum JSONValue: Codable, Equatable {
    case string(String), number(Double), bool(Bool), null
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .number(n): try c.encode(n)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}
