import Foundation

// The same hyper-parameters read from GGUF metadata (llama.cpp's key names,
// `llama-arch.cpp`: "<arch>.block_count", "<arch>.attention.head_count", …), so code
// above this layer can treat a GGUF file and a Hugging Face folder alike.

extension HFConfig {
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else {
            throw ModelFileError.invalidConfig(
                file: gguf.url.path, field: "general.architecture", reason: "is \"\(arch)\"; Rounds runs Llama-architecture models only")
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
        if let scaling = gguf.metadata["\(arch).rope.scaling.type"]?.stringValue, scaling != "none" {
            ropeType = scaling
        }
    }
}
