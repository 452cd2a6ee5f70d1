import Generation
import Tokenizer

extension LoadedPolicy {
    /// The policy with its tokenizer and chat template (`template` names one of
    /// `ChatTemplate.names` instead of the one the tokenizer's metadata gives). `forSampling`
    /// merges a LoRA adapter for the KV-cached decoder (`LlamaModel.mergeAdapterForSampling`);
    /// scoring keeps it attached.
    public func chatModel(template: String? = nil, forSampling: Bool) throws -> ChatModel {
        if forSampling, model.adapter != nil { model.mergeAdapterForSampling() }
        return ChatModel(model: model, tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer, override: template))
    }
}

extension PolicyLoader {
    /// A chat model for `reference` (see `load` and `LoadedPolicy.chatModel`).
    public static func chatModel(_ reference: String, registry: PolicyRegistry, template: String? = nil,
                                 forSampling: Bool) throws -> ChatModel {
        try load(reference, registry: registry).chatModel(template: template, forSampling: forSampling)
    }
}
