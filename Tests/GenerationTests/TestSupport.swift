import Foundation
import Llama
import Tokenizer

/// Paths and the real base model, loaded once per test process.
enum TestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/reference")
    static let baseModelURL = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    /// The base model; throws (the test fails) when the file is missing — run
    /// scripts/fetch-model.sh.
    static func baseModel() throws -> LlamaModel { try cachedModel.get() }

    private static let cachedModel = Result { try LlamaModel.load(from: baseModelURL) }

    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// Logits of every decode step when feeding `ids` after `prompt`, one token a step
    /// (teacher-forced, so a near-tie cannot send two decoders down different texts).
    static func stepLogits(_ decoder: IncrementalDecoder, prompt: [Int32], ids: [Int32], vocabulary v: Int) throws -> [[Float]] {
        decoder.cache.resetAll()
        var logits = try decoder.prefill(prompts: [prompt], slots: [0])
        var rows = [Array(UnsafeBufferPointer(start: logits, count: v))]
        for id in ids.dropLast() {
            logits = try decoder.step(tokens: [id], slots: [0])
            rows.append(Array(UnsafeBufferPointer(start: logits, count: v)))
        }
        return rows
    }
}

/// `greedy.json`: prompts with the greedy continuations of the fp32 reference.
struct GreedyFixture: Decodable {
    var new_tokens: Int
    var prompts: [Prompt]
    struct Prompt: Decodable {
        var user: String
        var prompt_ids: [Int32]
        var hf_fp32_ids: [Int32]
        var hf_fp32_top1_minus_top2_logit: [Double]
        var first_eos_index: Int?
    }
}

/// `tiny-llama/batch.json` and the logits part of `expected.json`.
struct TinyBatch: Decodable {
    var prompt_len: Int
    var lengths: [Int]
    var input_ids: [[Int32]]
}

struct TinyExpected: Decodable {
    var logits: [String: TinyLogits]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let logitsContainer = try container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("logits"))
        var result: [String: TinyLogits] = [:]
        for key in logitsContainer.allKeys where key.stringValue != "definition" {
            result[key.stringValue] = try logitsContainer.decode(TinyLogits.self, forKey: key)
        }
        logits = result
    }
}

struct TinyLogits: Decodable {
    var batch: Int
    var position: Int
    var first16: [Float]
    var argmax: Int?
    var max: Float?
    var logsumexp: Float?
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension TestSupport {
    static var tinyModelURL: URL { fixtures.appendingPathComponent("tiny-llama/model.gguf") }
}
