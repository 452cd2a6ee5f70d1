import Foundation
import Generation
import Tokenizer
import Training

/// Every command that takes a model takes a policy name too: a reference is resolved by the
/// policy registry (policy name, policy folder, .gguf file, Hugging Face folder, or a folder
/// holding one .gguf).
enum ModelReference {
    static let help = "The model: a policy name (see `rounds policy list`), a .gguf file, a Hugging Face folder, or a folder holding one .gguf."

    /// A chat model for `reference`. `forSampling` merges a LoRA adapter into the weights,
    /// since the KV-cached decoder runs on plain weights; scoring keeps it attached.
    static func chatModel(_ reference: String, registry: PolicyRegistry, template: String?, forSampling: Bool) throws -> ChatModel {
        let loaded = try PolicyLoader.load(reference, registry: registry)
        if forSampling, loaded.model.adapter != nil { loaded.model.mergeAdapterForSampling() }
        return ChatModel(model: loaded.model, tokenizer: loaded.tokenizer,
                         template: try ChatTemplate.forTokenizer(loaded.tokenizer, override: template))
    }

    /// The file or folder holding the tokenizer of `reference` (its base model for a policy).
    static func tokenizerSource(_ reference: String, registry: PolicyRegistry) throws -> URL {
        if reference.hasSuffix(".json"), FileManager.default.fileExists(atPath: reference) { return URL(fileURLWithPath: reference) }
        return try PolicyLoader.resolve(reference, registry: registry).base
    }
}
