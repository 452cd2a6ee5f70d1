// One contiguous parameter buffer with named views (llm.c `malloc_and_point_parameters`).
// Gradients and optimizer moments use the same layout, so an optimizer is one flat loop
// over `count` floats and a checkpoint is one write. Inside a layer, q/k/v and gate/up are
// adjacent so each pair (triple) is ONE fused GEMM: wqkv is [(H + 2·KVH)·D, C] and
// wGateUp is [2F, C].

/// A named tensor inside the flat buffer.
public struct ParameterTensor: Sendable, Equatable {
    /// Hugging Face name (`model.layers.3.self_attn.q_proj.weight`).
    public var name: String
    /// llama.cpp GGUF name (`blk.3.attn_q.weight`).
    public var ggufName: String
    public var offset: Int
    /// Slowest-varying first: [out, in] for a Linear weight.
    public var shape: [Int]
    /// q and k rows are stored permuted in converter-written GGUF files.
    public var permutedHeads: Int?

    public var count: Int { shape.reduce(1, *) }
}

/// Offsets of one transformer block's weights.
public struct LayerOffsets: Sendable, Equatable {
    public var attnNorm: Int  // (C)
    public var wqkv: Int  // q (H·D, C) then k (KVH·D, C) then v (KVH·D, C)
    public var wk: Int
    public var wv: Int
    public var wo: Int  // (C, H·D)
    public var ffnNorm: Int  // (C)
    public var wGateUp: Int  // gate (F, C) then up (F, C)
    public var wUp: Int
    public var wDown: Int  // (C, F)
    /// Qwen2: q (H·D) then k (KVH·D) then v (KVH·D) biases, one fused row.
    public var qkvBias: Int?
    /// Qwen3, Gemma 3: per-head RMSNorm scales (D) of q and k.
    public var qNorm: Int?, kNorm: Int?
    /// Gemma 3: RMSNorm (C) of the attention output and of the MLP output.
    public var postAttentionNorm: Int?, postFFNNorm: Int?
}

public struct ParameterLayout: Sendable, Equatable {
    public let config: LlamaConfiguration
    public let embedding: Int  // (V, C)
    public let layers: [LayerOffsets]
    public let finalNorm: Int  // (C)
    /// The LM head (V, C): the embedding itself when tied.
    public let lmHead: Int
    public let count: Int
    /// Floats the parameter buffer holds: `count`, or without the projections when
    /// `storesProjections` is false.
    public let residentCount: Int
    /// Whether the buffer holds the seven projections of every layer. Without them (a frozen
    /// QLoRA base, FrozenBase.swift) their offsets lie past `residentCount` and name no
    /// memory: they stay keys, never addresses.
    public let storesProjections: Bool
    /// Every tensor in buffer order.
    public let tensors: [ParameterTensor]

    public init(config cfg: LlamaConfiguration, storesProjections: Bool = true) {
        config = cfg
        self.storesProjections = storesProjections
        let c = cfg.hiddenSize, f = cfg.intermediateSize, v = cfg.vocabularySize
        let hd = cfg.headCount * cfg.headDim, kvd = cfg.kvHeadCount * cfg.headDim
        var tensors: [ParameterTensor] = []
        var offset = 0, projectionOffset = 0
        // Projections of a layout without them are numbered apart (then moved past the rest).
        func add(_ name: String, _ gguf: String, _ shape: [Int], permuted: Int? = nil, projection: Bool = false) -> Int {
            let apart = projection && !storesProjections
            let start = apart ? projectionOffset : offset
            tensors.append(ParameterTensor(name: name, ggufName: gguf, offset: start, shape: shape, permutedHeads: permuted))
            if apart { projectionOffset += shape.reduce(1, *) } else { offset += shape.reduce(1, *) }
            return start
        }
        let arch = cfg.architecture
        // Only llama.cpp's "llama" conversion interleaves q/k rows; Qwen and Gemma GGUFs keep
        // Hugging Face's rotate-half order (llama.cpp runs them with NEOX-style RoPE).
        let permuted = arch.family == .llama
        embedding = add("model.embed_tokens.weight", "token_embd.weight", [v, c])
        var layers: [LayerOffsets] = []
        for i in 0..<cfg.layerCount {
            let hf = "model.layers.\(i).", gg = "blk.\(i)."
            let attnNorm = add(hf + "input_layernorm.weight", gg + "attn_norm.weight", [c])
            let wq = add(hf + "self_attn.q_proj.weight", gg + "attn_q.weight", [hd, c], permuted: permuted ? cfg.headCount : nil, projection: true)
            let wk = add(hf + "self_attn.k_proj.weight", gg + "attn_k.weight", [kvd, c], permuted: permuted ? cfg.kvHeadCount : nil, projection: true)
            let wv = add(hf + "self_attn.v_proj.weight", gg + "attn_v.weight", [kvd, c], projection: true)
            var qkvBias: Int?, qNorm: Int?, kNorm: Int?, postAttentionNorm: Int?, postFFNNorm: Int?
            if arch.qkvBias {
                qkvBias = add(hf + "self_attn.q_proj.bias", gg + "attn_q.bias", [hd])
                _ = add(hf + "self_attn.k_proj.bias", gg + "attn_k.bias", [kvd])
                _ = add(hf + "self_attn.v_proj.bias", gg + "attn_v.bias", [kvd])
            }
            if arch.qkNorm {
                qNorm = add(hf + "self_attn.q_norm.weight", gg + "attn_q_norm.weight", [cfg.headDim])
                kNorm = add(hf + "self_attn.k_norm.weight", gg + "attn_k_norm.weight", [cfg.headDim])
            }
            let wo = add(hf + "self_attn.o_proj.weight", gg + "attn_output.weight", [c, hd], projection: true)
            let ffnNorm: Int
            if arch.sandwichNorms {
                postAttentionNorm = add(hf + "post_attention_layernorm.weight", gg + "post_attention_norm.weight", [c])
                ffnNorm = add(hf + "pre_feedforward_layernorm.weight", gg + "ffn_norm.weight", [c])
            } else {
                ffnNorm = add(hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight", [c])
            }
            let gate = add(hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight", [f, c], projection: true)
            let up = add(hf + "mlp.up_proj.weight", gg + "ffn_up.weight", [f, c], projection: true)
            let down = add(hf + "mlp.down_proj.weight", gg + "ffn_down.weight", [c, f], projection: true)
            if arch.sandwichNorms {
                postFFNNorm = add(hf + "post_feedforward_layernorm.weight", gg + "post_ffw_norm.weight", [c])
            }
            layers.append(LayerOffsets(
                attnNorm: attnNorm, wqkv: wq, wk: wk, wv: wv, wo: wo, ffnNorm: ffnNorm, wGateUp: gate, wUp: up, wDown: down,
                qkvBias: qkvBias, qNorm: qNorm, kNorm: kNorm, postAttentionNorm: postAttentionNorm, postFFNNorm: postFFNNorm))
        }
        finalNorm = add("model.norm.weight", "output_norm.weight", [c])
        lmHead = cfg.tieWordEmbeddings ? embedding : add("lm_head.weight", "output.weight", [v, c])
        residentCount = offset
        count = offset + projectionOffset
        if !storesProjections {
            for i in tensors.indices where tensors[i].projection != nil { tensors[i].offset += residentCount }
            for i in layers.indices {
                for key in [\LayerOffsets.wqkv, \.wk, \.wv, \.wo, \.wGateUp, \.wUp, \.wDown] { layers[i][keyPath: key] += residentCount }
            }
        }
        self.layers = layers
        self.tensors = tensors
    }

    /// Whether a tensor is an RMSNorm scale (stored as 1 + w for Gemma, see
    /// `Architecture.normWeightOffset`).
    public static func isNorm(_ t: ParameterTensor) -> Bool { t.name.hasSuffix("norm.weight") }

    /// The tensor with this Hugging Face name, if any.
    public func tensor(named name: String) -> ParameterTensor? { tensors.first { $0.name == name } }
}
