import Foundation

// A Codable mirror of a Hugging Face Llama `config.json` (transformers LlamaConfig),
// after mlx-swift-examples' `LlamaConfiguration`. Defaults are LlamaConfig's own.
// Two layouts of the RoPE base are read: transformers 4 writes `rope_theta` at the top
// level (and scaling in `rope_scaling`); transformers 5 nests both in `rope_parameters`.
// Encoding writes both places so either version reads the file.

public struct HFConfig: Codable, Equatable, Sendable {
    public var architectures: [String]?
    public var modelType: String?
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    /// Grouped-query attention: KV heads; defaults to `numAttentionHeads`.
    public var numKeyValueHeads: Int
    /// Defaults to `hiddenSize / numAttentionHeads`.
    public var headDim: Int
    public var rmsNormEps: Double
    public var ropeTheta: Double
    /// "default" (plain RoPE) unless the config names a scaling scheme.
    public var ropeType: String
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int
    public var hiddenAct: String
    public var attentionBias: Bool
    public var mlpBias: Bool
    /// Token ids; the config may give one id, a list, or null (empty here).
    public var bosTokenIds: [Int]
    public var eosTokenIds: [Int]
    public var padTokenId: Int?
    /// RoPE scaling parameters (`linear`: factor; `llama3`: all four).
    public var ropeFactor: Double?
    public var ropeLowFreqFactor: Double?
    public var ropeHighFreqFactor: Double?
    public var ropeOriginalContext: Int?
    /// Gemma 3: q·k is scaled by this^−½; local (sliding-window) layers, their window and RoPE base.
    public var queryPreAttnScalar: Double?
    public var slidingWindow: Int?
    public var localRopeTheta: Double?
    /// Per layer: true for a sliding-window layer (from `layer_types` or the older
    /// `sliding_window_pattern`); empty when every layer is global.
    public var slidingLayers: [Bool]
    /// Features Rounds does not run; validation rejects them when set.
    public var finalLogitSoftcapping: Double?
    public var attnLogitSoftcapping: Double?
    public var useSlidingWindow: Bool

    /// "llama", "qwen2", "qwen3" or "gemma3" (`gemma3_text` in config.json).
    public var family: String {
        switch modelType {
        case nil: return "llama"
        case "gemma3_text"?: return "gemma3"
        case let t?: return t
        }
    }

    enum CodingKeys: String, CodingKey {
        case architectures
        case modelType = "model_type"
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case tieWordEmbeddings = "tie_word_embeddings"
        case maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act"
        case attentionBias = "attention_bias"
        case mlpBias = "mlp_bias"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
        case padTokenId = "pad_token_id"
        case hiddenActivation = "hidden_activation"
        case queryPreAttnScalar = "query_pre_attn_scalar"
        case slidingWindow = "sliding_window"
        case slidingWindowPattern = "sliding_window_pattern"
        case layerTypes = "layer_types"
        case ropeLocalBaseFreq = "rope_local_base_freq"
        case finalLogitSoftcapping = "final_logit_softcapping"
        case attnLogitSoftcapping = "attn_logit_softcapping"
        case useSlidingWindow = "use_sliding_window"
    }

    /// `rope_parameters` (transformers 5) or `rope_scaling` (transformers 4).
    struct RopeSet: Codable {
        var ropeTheta: Double?
        var ropeType: String?
        /// transformers 4 spelled the scheme `type` in older configs.
        var type: String?
        var factor: Double?
        var lowFreqFactor: Double?
        var highFreqFactor: Double?
        var originalMaxPositionEmbeddings: Int?

        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta"
            case ropeType = "rope_type"
            case type, factor
            case lowFreqFactor = "low_freq_factor"
            case highFreqFactor = "high_freq_factor"
            case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        }

        var scheme: String? { ropeType ?? type }
    }

    /// One `RopeSet`, or (transformers 5, Gemma 3) one per layer type.
    struct RopeParameters: Codable {
        var flat: RopeSet
        var fullAttention: RopeSet?
        var slidingAttention: RopeSet?

        enum CodingKeys: String, CodingKey {
            case fullAttention = "full_attention"
            case slidingAttention = "sliding_attention"
        }

        init(flat: RopeSet, fullAttention: RopeSet? = nil, slidingAttention: RopeSet? = nil) {
            self.flat = flat
            self.fullAttention = fullAttention
            self.slidingAttention = slidingAttention
        }

        init(from decoder: Decoder) throws {
            flat = try RopeSet(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fullAttention = try c.decodeIfPresent(RopeSet.self, forKey: .fullAttention)
            slidingAttention = try c.decodeIfPresent(RopeSet.self, forKey: .slidingAttention)
        }

        func encode(to encoder: Encoder) throws {
            if fullAttention != nil || slidingAttention != nil {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(fullAttention, forKey: .fullAttention)
                try c.encodeIfPresent(slidingAttention, forKey: .slidingAttention)
            } else {
                try flat.encode(to: encoder)
            }
        }

        /// The global layers' parameters.
        var global: RopeSet { fullAttention ?? flat }
    }

    public init(
        vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        numKeyValueHeads: Int? = nil, headDim: Int? = nil, rmsNormEps: Double = 1e-6, ropeTheta: Double = 10000,
        tieWordEmbeddings: Bool = false, maxPositionEmbeddings: Int = 2048,
        bosTokenIds: [Int] = [], eosTokenIds: [Int] = [], padTokenId: Int? = nil
    ) {
        architectures = ["LlamaForCausalLM"]
        modelType = "llama"
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        ropeType = "default"
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositionEmbeddings = maxPositionEmbeddings
        hiddenAct = "silu"
        attentionBias = false
        mlpBias = false
        self.bosTokenIds = bosTokenIds
        self.eosTokenIds = eosTokenIds
        self.padTokenId = padTokenId
        slidingLayers = []
        useSlidingWindow = false
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
            ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-6
        let parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        let scaling = try c.decodeIfPresent(RopeSet.self, forKey: .ropeScaling)
        let global = parameters?.global
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? global?.ropeTheta ?? 10000
        let scheme = global?.scheme ?? scaling?.scheme ?? "default"
        ropeType = scheme
        let rope = global?.scheme == nil ? scaling : global
        if scheme != "default" {
            ropeFactor = rope?.factor
            ropeLowFreqFactor = rope?.lowFreqFactor
            ropeHighFreqFactor = rope?.highFreqFactor
            ropeOriginalContext = rope?.originalMaxPositionEmbeddings
        }
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? (modelType == "gemma3_text")
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 2048
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenActivation)
            ?? c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
        queryPreAttnScalar = try c.decodeIfPresent(Double.self, forKey: .queryPreAttnScalar)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        localRopeTheta = try parameters?.slidingAttention?.ropeTheta ?? c.decodeIfPresent(Double.self, forKey: .ropeLocalBaseFreq)
        if let types = try c.decodeIfPresent([String].self, forKey: .layerTypes) {
            slidingLayers = types.map { $0 == "sliding_attention" }
        } else if let pattern = try c.decodeIfPresent(Int.self, forKey: .slidingWindowPattern), pattern > 0 {
            slidingLayers = (0..<numHiddenLayers).map { ($0 + 1) % pattern != 0 }
        } else {
            slidingLayers = []
        }
        finalLogitSoftcapping = try c.decodeIfPresent(Double.self, forKey: .finalLogitSoftcapping)
        attnLogitSoftcapping = try c.decodeIfPresent(Double.self, forKey: .attnLogitSoftcapping)
        useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) ?? false
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? false
        bosTokenIds = try Self.tokenIds(c, .bosTokenId)
        eosTokenIds = try Self.tokenIds(c, .eosTokenId)
        padTokenId = try Self.tokenIds(c, .padTokenId).first
    }

    /// An id, a list of ids, or null.
    private static func tokenIds(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Int] {
        if try !c.contains(key) || c.decodeNil(forKey: key) { return [] }
        if let one = try? c.decode(Int.self, forKey: key) { return [one] }
        return try c.decode([Int].self, forKey: key)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(architectures, forKey: .architectures)
        try c.encodeIfPresent(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        let global = RopeSet(ropeTheta: ropeTheta, ropeType: ropeType, factor: ropeFactor, lowFreqFactor: ropeLowFreqFactor,
                             highFreqFactor: ropeHighFreqFactor, originalMaxPositionEmbeddings: ropeOriginalContext)
        if family == "gemma3" {
            let local = RopeSet(ropeTheta: localRopeTheta ?? 10000, ropeType: "default")
            try c.encode(RopeParameters(flat: global, fullAttention: global, slidingAttention: local), forKey: .ropeParameters)
            try c.encodeIfPresent(queryPreAttnScalar, forKey: .queryPreAttnScalar)
            try c.encode(hiddenAct, forKey: .hiddenActivation)
        } else {
            try c.encode(ropeTheta, forKey: .ropeTheta)
            try c.encode(RopeParameters(flat: global), forKey: .ropeParameters)
            try c.encode(hiddenAct, forKey: .hiddenAct)
        }
        if !slidingLayers.isEmpty {
            try c.encode(slidingLayers.map { $0 ? "sliding_attention" : "full_attention" }, forKey: .layerTypes)
        }
        try c.encodeIfPresent(slidingWindow, forKey: .slidingWindow)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias)
        try Self.encodeIds(bosTokenIds, &c, .bosTokenId)
        try Self.encodeIds(eosTokenIds, &c, .eosTokenId)
        try Self.encodeIds(padTokenId.map { [$0] } ?? [], &c, .padTokenId)
    }

    private static func encodeIds(_ ids: [Int], _ c: inout KeyedEncodingContainer<CodingKeys>, _ key: CodingKeys) throws {
        switch ids.count {
        case 0: try c.encodeNil(forKey: key)
        case 1: try c.encode(ids[0], forKey: key)
        default: try c.encode(ids, forKey: key)
        }
    }
}
