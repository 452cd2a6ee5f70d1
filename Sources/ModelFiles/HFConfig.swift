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
    }

    /// `rope_parameters` (transformers 5) or `rope_scaling` (transformers 4).
    struct RopeParameters: Codable {
        var ropeTheta: Double?
        var ropeType: String?
        /// transformers 4 spelled the scheme `type` in older configs.
        var type: String?

        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta"
            case ropeType = "rope_type"
            case type
        }
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
        let scaling = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? parameters?.ropeTheta ?? 10000
        ropeType = parameters?.ropeType ?? scaling?.ropeType ?? scaling?.type ?? "default"
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 2048
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
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
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(RopeParameters(ropeTheta: ropeTheta, ropeType: ropeType), forKey: .ropeParameters)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(hiddenAct, forKey: .hiddenAct)
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
