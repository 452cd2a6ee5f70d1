import Foundation
import Support

// Reading, validating and writing config.json. Errors name the file and the field.

extension HFConfig {
    /// Reads and validates a config.json.
    public static func load(from url: URL) throws -> HFConfig {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelFileError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        let config: HFConfig
        do {
            config = try JSONDecoder().decode(HFConfig.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error, file: url.path)
        }
        try config.validate(file: url.path)
        return config
    }

    /// Writes config.json atomically, keys sorted, two-space indented like transformers.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try AtomicFile.write(data, to: url)
    }

    private static func describe(_ error: DecodingError, file: String) -> ModelFileError {
        func path(_ keys: [CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case let .keyNotFound(key, context):
            return .invalidConfig(file: file, field: path(context.codingPath + [key]), reason: "is missing")
        case let .typeMismatch(type, context):
            return .invalidConfig(file: file, field: path(context.codingPath), reason: "is not of type \(type)")
        case let .valueNotFound(type, context):
            return .invalidConfig(file: file, field: path(context.codingPath), reason: "is null, expected \(type)")
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty
                ? .malformed(file: file, what: "not valid JSON (\(context.debugDescription))")
                : .invalidConfig(file: file, field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .malformed(file: file, what: "\(error)")
        }
    }

    /// Throws `invalidConfig` naming the first field Rounds' Llama cannot use.
    public func validate(file: String = "config.json") throws {
        func bad(_ field: String, _ reason: String) -> ModelFileError {
            .invalidConfig(file: file, field: field, reason: reason)
        }
        if modelType == "gemma3" {
            throw bad("model_type", "is \"gemma3\" (the multimodal checkpoint); Rounds runs the text model: use a \"gemma3_text\" folder such as gemma-3-1b")
        }
        guard Self.families.contains(family) else {
            throw bad("model_type", "is \"\(modelType ?? "")\"; Rounds runs \(Self.families.map { "\"\($0)\"" }.joined(separator: ", ")) (gemma3 as \"gemma3_text\")")
        }
        for (field, value) in [
            ("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
            ("num_key_value_heads", numKeyValueHeads), ("head_dim", headDim),
            ("max_position_embeddings", maxPositionEmbeddings),
        ] where value <= 0 {
            throw bad(field, "is \(value), must be positive")
        }
        guard numAttentionHeads % numKeyValueHeads == 0 else {
            throw bad("num_key_value_heads", "is \(numKeyValueHeads), must divide num_attention_heads \(numAttentionHeads)")
        }
        guard headDim % 2 == 0 else { throw bad("head_dim", "is \(headDim), must be even for RoPE") }
        guard rmsNormEps > 0, rmsNormEps.isFinite else { throw bad("rms_norm_eps", "is \(rmsNormEps), must be positive") }
        guard ropeTheta > 0, ropeTheta.isFinite else { throw bad("rope_theta", "is \(ropeTheta), must be positive") }
        guard ["default", "linear", "llama3"].contains(ropeType) else {
            throw bad("rope_parameters.rope_type", "is \"\(ropeType)\"; Rounds supports \"default\", \"linear\" and \"llama3\" RoPE")
        }
        if ropeType != "default", !((ropeFactor ?? 0) > 0) {
            throw bad("rope_parameters.factor", "is missing or not positive for rope_type \"\(ropeType)\"")
        }
        if family == "gemma3" {
            guard hiddenAct == "gelu_pytorch_tanh" else {
                throw bad("hidden_activation", "is \"\(hiddenAct)\"; Gemma 3 uses \"gelu_pytorch_tanh\"")
            }
            guard finalLogitSoftcapping == nil, attnLogitSoftcapping == nil else {
                throw bad("final_logit_softcapping", "is set; Rounds runs Gemma 3 without logit soft-capping")
            }
            if slidingLayers.contains(true), !((slidingWindow ?? 0) > 0) {
                throw bad("sliding_window", "is missing or not positive but layer_types has sliding layers")
            }
        } else {
            guard hiddenAct == "silu" else { throw bad("hidden_act", "is \"\(hiddenAct)\"; \(family) uses \"silu\"") }
            guard !useSlidingWindow else { throw bad("use_sliding_window", "is true; Rounds runs \(family) with full attention only") }
            guard family == "qwen2" || !attentionBias else {
                throw bad("attention_bias", "is true; Rounds runs \(family) attention without biases")
            }
        }
        if !slidingLayers.isEmpty, slidingLayers.count != numHiddenLayers {
            throw bad("layer_types", "has \(slidingLayers.count) entries for \(numHiddenLayers) layers")
        }
        guard !mlpBias else { throw bad("mlp_bias", "is true; Rounds runs MLPs without biases") }
        for (field, ids) in [("bos_token_id", bosTokenIds), ("eos_token_id", eosTokenIds), ("pad_token_id", padTokenId.map { [$0] } ?? [])] {
            if let id = ids.first(where: { $0 < 0 || $0 >= vocabSize }) {
                throw bad(field, "holds \(id), outside the vocabulary 0..<\(vocabSize)")
            }
        }
    }

    /// The families `validate` accepts (see `family`).
    public static let families = ["llama", "qwen2", "qwen3", "gemma3"]

    /// Parameters of the model described: embeddings, per-layer attention (with Qwen2's
    /// biases, the q/k norms of Qwen3 and Gemma 3), MLP and norms (four in Gemma), the final
    /// norm, and the LM head unless tied.
    public var parameterCount: Int {
        var attention = hiddenSize * numAttentionHeads * headDim * 2 + hiddenSize * numKeyValueHeads * headDim * 2
        if family == "qwen2" { attention += (numAttentionHeads + 2 * numKeyValueHeads) * headDim }
        if family == "qwen3" || family == "gemma3" { attention += 2 * headDim }
        let mlp = 3 * hiddenSize * intermediateSize
        let layer = attention + mlp + (family == "gemma3" ? 4 : 2) * hiddenSize
        return vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2) + numHiddenLayers * layer + hiddenSize
    }
}
