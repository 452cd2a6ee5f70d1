// Read-only views of the weights the incremental decoder needs. The decoder does not own
// them: they point into the model's parameter buffer (or a merged LoRA copy), which must
// outlive the decoder.
//
// Legend: C model width, F feed-forward width, H query heads, KVH key/value heads,
// D head dimension, V vocabulary, L layers.
import Tensor

/// Shape of a Llama decoder, as far as inference needs it.
public struct DecoderGeometry: Sendable, Equatable {
    public var layers: Int, width: Int, ffnWidth: Int
    public var heads: Int, kvHeads: Int, headDim: Int
    public var vocabulary: Int
    public var ropeTheta: Double, normEps: Float
    /// Longest sequence the model supports (RoPE table and cache capacity bound).
    public var maxPositions: Int
    /// The family's options (biases, q/k norms, sandwich norms, windows, RoPE scaling…).
    public var architecture: Architecture = .llama

    public init(layers: Int, width: Int, ffnWidth: Int, heads: Int, kvHeads: Int, headDim: Int,
                vocabulary: Int, ropeTheta: Double, normEps: Float, maxPositions: Int) {
        self.layers = layers
        self.width = width
        self.ffnWidth = ffnWidth
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.vocabulary = vocabulary
        self.ropeTheta = ropeTheta
        self.normEps = normEps
        self.maxPositions = maxPositions
    }

    /// Width of a fused q|k|v row: (H + 2·KVH)·D.
    public var qkvWidth: Int { (heads + 2 * kvHeads) * headDim }
}

/// One layer's weights, PyTorch-style [out, in] row-major; q/k rows in the Hugging Face
/// rotate-half RoPE layout.
public struct DecoderLayerWeights {
    /// (C)
    public var attentionNorm: UnsafePointer<Float>
    /// (H·D, C), (KVH·D, C), (KVH·D, C). When k follows q and v follows k in memory (a
    /// fused qkv matrix) the decoder does one GEMM instead of three.
    public var wq: UnsafePointer<Float>, wk: UnsafePointer<Float>, wv: UnsafePointer<Float>
    /// (C, H·D)
    public var wo: UnsafePointer<Float>
    /// (C)
    public var ffnNorm: UnsafePointer<Float>
    /// (F, C) each; fused when up follows gate.
    public var wGate: UnsafePointer<Float>, wUp: UnsafePointer<Float>
    /// (C, F)
    public var wDown: UnsafePointer<Float>
    /// The same matrices in a lossless compact encoding, when they have one (set by
    /// `DecoderWeights.compacted`): fused q|k|v, Wo, fused gate|up, Wdown.
    public var compact: CompactLayerWeights?
    /// Options of the other families (see `Architecture`): the fused q|k|v bias
    /// ((H + 2·KVH)·D), per-head q/k norm scales (D), the post-attention and post-MLP norms (C).
    public var qkvBias: UnsafePointer<Float>?
    public var qNorm: UnsafePointer<Float>?, kNorm: UnsafePointer<Float>?
    public var postAttentionNorm: UnsafePointer<Float>?, postFFNNorm: UnsafePointer<Float>?

    public init(attentionNorm: UnsafePointer<Float>, wq: UnsafePointer<Float>, wk: UnsafePointer<Float>,
                wv: UnsafePointer<Float>, wo: UnsafePointer<Float>, ffnNorm: UnsafePointer<Float>,
                wGate: UnsafePointer<Float>, wUp: UnsafePointer<Float>, wDown: UnsafePointer<Float>) {
        self.attentionNorm = attentionNorm
        self.wq = wq
        self.wk = wk
        self.wv = wv
        self.wo = wo
        self.ffnNorm = ffnNorm
        self.wGate = wGate
        self.wUp = wUp
        self.wDown = wDown
    }
}

/// Every weight of the decoder.
public struct DecoderWeights {
    /// (V, C)
    public var embedding: UnsafePointer<Float>
    public var layers: [DecoderLayerWeights]
    /// (C)
    public var finalNorm: UnsafePointer<Float>
    /// (V, C): the embedding itself when tied.
    public var lmHead: UnsafePointer<Float>
    /// `lmHead` in a lossless compact encoding, when it has one.
    public var compactLMHead: CompactMatrix?
    /// Compact forms built from a GGUF's quantized blocks, by the fp32 matrix they stand for
    /// (`compacted` uses one only if it still decodes to that matrix exactly).
    public var candidates: [UnsafePointer<Float>: CompactMatrix] = [:]
    /// Keeps alive what views beyond the model's parameter buffer point into (a merged
    /// policy's LoRA factors, `LlamaModel.mergeAdapterForSampling`).
    public var owner: AnyObject?

    public init(embedding: UnsafePointer<Float>, layers: [DecoderLayerWeights],
                finalNorm: UnsafePointer<Float>, lmHead: UnsafePointer<Float>) {
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.lmHead = lmHead
    }
}
