import Foundation

// The same hyper-parameters read from GGUF metadata (llama.cpp's key names,
// `llama-arch.cpp`: "<arch>.block_count", "<arch>.attention.head_count", …), so code
// above this layer can treat a GGUF file and a Hugging Face folder alike.

extension HFConfig {
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard HFConfig.families.contains(arch) else {
            throw ModelFileError.invalidConfig(
                file: gguf.url.path, field: "general.architecture",
                reason: "is \"\(arch)\"; Rounds runs \(HFConfig.families.joined(separator: ", ")) models")
        }
        func optionalInt(_ key: String) -> Int? { gguf.metadata[key]?.intValue }
        let heads = try gguf.int("\(arch).attention.head_count")
        let hidden = try gguf.int("\(arch).embedding_length")
        let vocab = try optionalInt("\(arch).vocab_size")
            ?? gguf.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count
            ?? gguf.info("token_embd.weight").shape[0]
        self.init(
            vocabSize: vocab,
            hiddenSize: hidden,
            intermediateSize: try gguf.int("\(arch).feed_forward_length"),
            numHiddenLayers: try gguf.int("\(arch).block_count"),
            numAttentionHeads: heads,
            numKeyValueHeads: optionalInt("\(arch).attention.head_count_kv") ?? heads,
            headDim: optionalInt("\(arch).attention.key_length") ?? (heads > 0 ? hidden / heads : 0),
            rmsNormEps: try gguf.double("\(arch).attention.layer_norm_rms_epsilon"),
            ropeTheta: gguf.metadata["\(arch).rope.freq_base"]?.doubleValue ?? 10000,
            // llama.cpp uses token_embd as the output matrix when output.weight is absent.
            tieWordEmbeddings: !gguf.tensors.contains { $0.name == "output.weight" },
            maxPositionEmbeddings: try gguf.int("\(arch).context_length"),
            bosTokenIds: optionalInt("tokenizer.ggml.bos_token_id").map { [$0] } ?? [],
            eosTokenIds: optionalInt("tokenizer.ggml.eos_token_id").map { [$0] } ?? [],
            padTokenId: optionalInt("tokenizer.ggml.padding_token_id"))
        modelType = arch == "gemma3" ? "gemma3_text" : arch
        architectures = [["llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM",
                          "gemma3": "Gemma3ForCausalLM"][arch]!]
        if let scaling = gguf.metadata["\(arch).rope.scaling.type"]?.stringValue, scaling != "none" {
            ropeType = scaling
            ropeFactor = gguf.metadata["\(arch).rope.scaling.factor"]?.doubleValue
        }
        if arch == "gemma3" {
            hiddenAct = "gelu_pytorch_tanh"
            slidingWindow = optionalInt("\(arch).attention.sliding_window")
            localRopeTheta = gguf.metadata["\(arch).rope.freq_base_swa"]?.doubleValue ?? 10000
            // llama.cpp's defaults for Gemma 3 when the file does not name them: every sixth
            // layer global, q·k scaled by 1/√head_dim.
            if let pattern = gguf.metadata["\(arch).attention.sliding_window_pattern"] {
                slidingLayers = pattern.arrayValue?.map { $0 == .bool(true) }
                    ?? (0..<numHiddenLayers).map { ($0 + 1) % max(pattern.intValue ?? 6, 1) != 0 }
            } else {
                slidingLayers = (0..<numHiddenLayers).map { ($0 + 1) % 6 != 0 }
            }
            if let scale = gguf.metadata["\(arch).attention.scale"]?.doubleValue, scale > 0 {
                let s = Double(Float(scale))
                queryPreAttnScalar = 1 / (s * s)
            } else {
                queryPreAttnScalar = Double(headDim)
            }
        }
    }
}

extension GGUFWriter {
    /// Writes a Llama configuration as the metadata keys llama.cpp's converter writes
    /// (`convert_hf_to_gguf.py`: integers as uint32, floats as float32), the inverse of
    /// `HFConfig(gguf:)`. Tensors and the tokenizer are the caller's.
    public mutating func setHyperparameters(_ config: HFConfig, name: String) throws {
        let arch = "llama"
        try set("general.architecture", .string(arch))
        try set("general.name", .string(name))
        for (key, value) in [
            ("context_length", config.maxPositionEmbeddings), ("embedding_length", config.hiddenSize),
            ("feed_forward_length", config.intermediateSize), ("block_count", config.numHiddenLayers),
            ("attention.head_count", config.numAttentionHeads), ("attention.head_count_kv", config.numKeyValueHeads),
            ("attention.key_length", config.headDim), ("attention.value_length", config.headDim),
            ("rope.dimension_count", config.headDim), ("vocab_size", config.vocabSize),
        ] {
            guard let v = UInt32(exactly: value) else {
                throw ModelFileError.invalidMetadata(key: "\(arch).\(key)", reason: "\(value) does not fit in uint32")
            }
            try set("\(arch).\(key)", .uint32(v))
        }
        try set("\(arch).rope.freq_base", .float32(Float(config.ropeTheta)))
        try set("\(arch).attention.layer_norm_rms_epsilon", .float32(Float(config.rmsNormEps)))
        for (key, id) in [("bos_token_id", config.bosTokenIds.first), ("eos_token_id", config.eosTokenIds.first), ("padding_token_id", config.padTokenId)] {
            if let id, let v = UInt32(exactly: id) { try set("tokenizer.ggml.\(key)", .uint32(v)) }
        }
    }
}
