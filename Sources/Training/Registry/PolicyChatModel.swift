import Generation
import Tokenizer

extension LoadedPolicy {
    /// The policy with its tokenizer and chat template (`template` names one of
    /// `ChatTemplate.names` instead of the one the tokenizer's metadata gives).
    public func chatModel(template: String? = nil) throws -> ChatModel {
        ChatModel(model: model, tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer, override: template))
    }
}

extension PolicyLoader {
    /// A chat model for `reference` (see `load`). `forSampling` merges a LoRA adapter for the
    /// KV-cached decoder (`LlamaModel.mergeAdapterForSampling`); scoring keeps it attached.
    public static func chatModel(_ reference: String, registry: PolicyRegistry, template: String? = nil,
                                 forSampling: Bool) throws -> ChatModel {
        let loaded = try load(reference, registry: registry)
        if forSampling, loaded.model.adapter != nil { loaded.model.mergeAdapterForSampling() }
        return try loaded.chatModel(template: template)
    }
}
