import Tensor

/// The decoder families Rounds runs. They share one model (`LlamaModel`); their differences
/// are the options of `Architecture`.
public enum ModelFamily: String, Sendable, Codable, CaseIterable {
    /// Llama 1–3.x, SmolLM2 (HF `llama`).
    case llama
    /// Qwen2 / Qwen2.5: q/k/v biases.
    case qwen2
    /// Qwen3: per-head q/k RMSNorm, no biases.
    case qwen3
    /// Gemma 3 text: scaled embeddings, GeGLU, q/k norm, sandwich norms, sliding windows.
    case gemma3
}

/// The feed-forward gate.
public enum GateActivation: String, Sendable, Codable {
    /// SwiGLU: silu(gate) ⊙ up.
    case silu
    /// GeGLU with the tanh approximation of GELU.
    case geluTanh
}

/// What distinguishes the families inside one decoder block (everything else — RMSNorm,
/// GQA, rotate-half RoPE, gated MLP — is common).
public struct Architecture: Sendable, Equatable, Codable {
    public var family: ModelFamily
    /// q, k and v projections have biases (Qwen2).
    public var qkvBias: Bool
    /// RMSNorm over each q and k head before RoPE (Qwen3, Gemma 3).
    public var qkNorm: Bool
    /// The embedding rows are multiplied by this (Gemma: √C rounded to Float).
    public var embeddingScale: Float?
    public var activation: GateActivation
    /// RMSNorm of the attention output and of the MLP output before each residual add (Gemma).
    public var sandwichNorms: Bool
    /// Multiplies q·k instead of 1/√D (Gemma: query_pre_attn_scalar^−½).
    public var attentionScale: Float?
    /// Long-context rescaling of the RoPE frequencies of global layers.
    public var ropeScaling: RoPEScaling
    /// Sliding-window layers: their window and RoPE base (Gemma 3's local layers).
    public var slidingWindow: Int?
    public var localRopeTheta: Double?
    /// Per layer: whether it attends within `slidingWindow` only. Empty: every layer is global.
    public var slidingLayers: [Bool]
    /// llama.cpp's form of Llama 3 RoPE scaling: a GGUF `rope_freqs` tensor of per-pair
    /// frequency divisors, used instead of `ropeScaling` when present.
    public var ropeFrequencyDivisors: [Float]?

    public init(family: ModelFamily = .llama, qkvBias: Bool = false, qkNorm: Bool = false, embeddingScale: Float? = nil,
                activation: GateActivation = .silu, sandwichNorms: Bool = false, attentionScale: Float? = nil,
                ropeScaling: RoPEScaling = .none, slidingWindow: Int? = nil, localRopeTheta: Double? = nil,
                slidingLayers: [Bool] = []) {
        self.family = family
        self.qkvBias = qkvBias
        self.qkNorm = qkNorm
        self.embeddingScale = embeddingScale
        self.activation = activation
        self.sandwichNorms = sandwichNorms
        self.attentionScale = attentionScale
        self.ropeScaling = ropeScaling
        self.slidingWindow = slidingWindow
        self.localRopeTheta = localRopeTheta
        self.slidingLayers = slidingLayers
    }

    /// Plain Llama (SmolLM2's architecture).
    public static let llama = Architecture()

    /// The RoPE table of global layers, and of sliding-window layers when they have their own base.
    public func ropeTables(headDim: Int, theta: Double, positions: Int) -> (global: RoPETable, local: RoPETable?) {
        let global = RoPETable(headDim: headDim, theta: theta, positions: positions, scaling: ropeScaling,
                               frequencyDivisors: ropeFrequencyDivisors)
        guard slidingLayers.contains(true), slidingWindow != nil else { return (global, nil) }
        return (global, RoPETable(headDim: headDim, theta: localRopeTheta ?? theta, positions: positions))
    }

    /// Whether layer `l` is a sliding-window layer.
    public func isSliding(_ l: Int) -> Bool { l < slidingLayers.count && slidingLayers[l] && slidingWindow != nil }

    /// The attention window of layer `l` (nil: global).
    public func window(layer l: Int) -> Int? { isSliding(l) ? slidingWindow : nil }

    /// Gemma stores RMSNorm scales as w with the norm multiplying by (1 + w); Rounds keeps
    /// the effective 1 + w in its buffer (GGUF files store it that way too).
    public var normWeightOffset: Float { family == .gemma3 ? 1 : 0 }
}
