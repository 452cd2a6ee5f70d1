// The preference fixtures' models (Tests/Fixtures/reference/preference/README.md): the tiny-llama base
// (F32 GGUF) as the reference, and base + the PEFT LoRA adapter `tiny-llama/lora` as the policy;
// the ids of `pairs.json`.
import Foundation
import Llama
@testable import Training

enum TinyPolicy {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")
    static let tiny = fixtures.appendingPathComponent("tiny-llama")
    static let preference = fixtures.appendingPathComponent("preference")

    /// The base weights (the GGUF: the folder's other safetensors files hold gradients).
    static func base() throws -> LlamaModel {
        try LlamaModel.load(from: tiny.appendingPathComponent("model.gguf"))
    }

    /// The fixture adapter (PEFT folder: shape from adapter_config.json, weights by PEFT name).
    static func fixtureAdapter(for model: LlamaModel) throws -> LoRAAdapter {
        try LoRAAdapter.load(from: tiny.appendingPathComponent("lora"), model: model.config)
    }

    /// A fresh adapter (B = 0: the policy starts equal to its base).
    static func freshAdapter(for model: LlamaModel, rank: Int = 4, seed: UInt64 = 7) -> LoRAAdapter {
        LoRAAdapter(model: model.config, configuration: LoRAConfiguration(rank: rank, alpha: Float(2 * rank), seed: seed))
    }

    /// Every adapter tensor's gradient by PEFT name.
    static func gradients(_ adapter: LoRAAdapter) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: adapter.tensors.map { ($0.name, adapter.gradients.array(offset: $0.offset, count: $0.count)) })
    }

    static func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: preference.appendingPathComponent("pairs.json"))) as! [String: Any]
    }

    static func ids(_ any: Any?) -> [Int32] { (any as! [Int]).map(Int32.init) }

    static func pairs() throws -> [PreferencePair<[Int32]>] {
        (try json()["pairs"] as! [[String: Any]]).map {
            PreferencePair(prompt: ids($0["prompt_ids"]), chosen: ids($0["chosen_ids"]), rejected: ids($0["rejected_ids"]))
        }
    }

    static func labelled() throws -> [LabelledCompletion<[Int32]>] {
        (try json()["kto"] as! [[String: Any]]).map {
            LabelledCompletion(prompt: ids($0["prompt_ids"]), completion: ids($0["completion_ids"]), desirable: $0["label"] as! Bool)
        }
    }

    /// Largest |a − b| relative to max |b| (the fixtures' tolerance measure).
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        let scale = Double(b.map { abs($0) }.max() ?? 0)
        let worst = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
        return scale > 0 ? worst / scale : worst
    }
}
