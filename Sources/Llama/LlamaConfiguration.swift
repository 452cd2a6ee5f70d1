import Foundation
import ModelFiles

/// The shape of a Llama-architecture model (HF `LlamaConfig` / llama.cpp `llama.*` keys).
public struct LlamaConfiguration: Sendable, Equatable, Codable {
    public var vocabularySize: Int
    /// C: model width.
    public var hiddenSize: Int
    /// F: SwiGLU width.
    public var intermediateSize: Int
    public var layerCount: Int
    /// H query heads and KVH key/value heads (GQA when KVH < H).
    public var headCount: Int
    public var kvHeadCount: Int
    /// D: head dimension.
    public var headDim: Int
    public var ropeTheta: Double
    public var rmsNormEps: Float
    public var tieWordEmbeddings: Bool
    public var contextLength: Int

    public init(
        vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int,
        kvHeadCount: Int, headDim: Int? = nil, ropeTheta: Double = 10000, rmsNormEps: Float = 1e-5,
        tieWordEmbeddings: Bool, contextLength: Int = 2048
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim ?? hiddenSize / max(headCount, 1)
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.tieWordEmbeddings = tieWordEmbeddings
        self.contextLength = contextLength
    }

    /// Checks the sizes are positive and consistent; `file` names the source in errors.
    public func validate(file: String) throws {
        let positive: [(String, Int)] = [
            ("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", layerCount), ("num_attention_heads", headCount),
            ("num_key_value_heads", kvHeadCount), ("head_dim", headDim), ("max_position_embeddings", contextLength),
        ]
        for (field, value) in positive where value <= 0 {
            throw LlamaError.invalidConfig(file: file, field: field, reason: "is \(value), must be positive")
        }
        guard headCount % kvHeadCount == 0 else {
            throw LlamaError.invalidConfig(
                file: file, field: "num_key_value_heads", reason: "(\(kvHeadCount)) must divide num_attention_heads (\(headCount))")
        }
        guard headDim % 2 == 0 else {
            throw LlamaError.invalidConfig(file: file, field: "head_dim", reason: "(\(headDim)) must be even for RoPE")
        }
        guard ropeTheta > 0, rmsNormEps > 0 else {
            throw LlamaError.invalidConfig(file: file, field: "rope_theta / rms_norm_eps", reason: "must be positive")
        }
    }

    /// From GGUF metadata (`llama.*` keys, as llama.cpp's converter writes them). GGUF float
    /// keys are float32, so eps 1e-5 reads back as 9.99999975e-06 — the value llama.cpp uses.
    public init(gguf: GGUFFile) throws {
        let arch = (try? gguf.string("general.architecture")) ?? "llama"
        guard arch == "llama" else {
            throw LlamaError.unsupportedFeature(file: gguf.url.path, field: "general.architecture", value: arch)
        }
        if let scaling = gguf.metadata["llama.rope.scaling.type"]?.stringValue, scaling != "none" {
            throw LlamaError.unsupportedFeature(file: gguf.url.path, field: "llama.rope.scaling.type", value: scaling)
        }
        let c = try gguf.int("llama.embedding_length")
        let heads = try gguf.int("llama.attention.head_count")
        let embedRows = try gguf.info("token_embd.weight").shape.first ?? 0
        self.init(
            vocabularySize: gguf.metadata["llama.vocab_size"]?.intValue ?? embedRows,
            hiddenSize: c,
            intermediateSize: try gguf.int("llama.feed_forward_length"),
            layerCount: try gguf.int("llama.block_count"),
            headCount: heads,
            kvHeadCount: gguf.metadata["llama.attention.head_count_kv"]?.intValue ?? heads,
            headDim: gguf.metadata["llama.attention.key_length"]?.intValue ?? c / max(heads, 1),
            ropeTheta: gguf.metadata["llama.rope.freq_base"]?.doubleValue ?? 10000,
            rmsNormEps: Float(try gguf.double("llama.attention.layer_norm_rms_epsilon")),
            tieWordEmbeddings: (try? gguf.info("output.weight")) == nil,
            contextLength: gguf.metadata["llama.context_length"]?.intValue ?? 2048)
        try validate(file: gguf.url.path)
    }

    /// From a Hugging Face `config.json` (transformers 4 `rope_theta` or transformers 5
    /// `rope_parameters.rope_theta`).
    public init(hfConfig url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError.unreadable(file: file, reason: error.localizedDescription)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw LlamaError.invalidConfig(file: file, field: "(root)", reason: "is not a JSON object")
        }
        func int(_ key: String) throws -> Int {
            guard let v = json[key] else { throw LlamaError.missingConfigField(file: file, field: key) }
            guard let i = (v as? NSNumber)?.intValue else {
                throw LlamaError.invalidConfig(file: file, field: key, reason: "is not an integer")
            }
            return i
        }
        func optionalInt(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
        let modelType = json["model_type"] as? String ?? "llama"
        guard modelType == "llama" else { throw LlamaError.unsupportedFeature(file: file, field: "model_type", value: modelType) }
        if let act = json["hidden_act"] as? String, act != "silu" {
            throw LlamaError.unsupportedFeature(file: file, field: "hidden_act", value: act)
        }
        for key in ["attention_bias", "mlp_bias"] where (json[key] as? Bool) == true {
            throw LlamaError.unsupportedFeature(file: file, field: key, value: "true")
        }
        let ropeParameters = json["rope_parameters"] as? [String: Any]
        let scaling = json["rope_scaling"] as? [String: Any] ?? ropeParameters
        if let type = (scaling?["rope_type"] ?? scaling?["type"]) as? String, type != "default" {
            throw LlamaError.unsupportedFeature(file: file, field: "rope_type", value: type)
        }
        let theta = (json["rope_theta"] as? NSNumber ?? ropeParameters?["rope_theta"] as? NSNumber)?.doubleValue ?? 10000
        let heads = try int("num_attention_heads"), c = try int("hidden_size")
        self.init(
            vocabularySize: try int("vocab_size"), hiddenSize: c, intermediateSize: try int("intermediate_size"),
            layerCount: try int("num_hidden_layers"), headCount: heads,
            kvHeadCount: optionalInt("num_key_value_heads") ?? heads,
            headDim: optionalInt("head_dim") ?? c / max(heads, 1),
            ropeTheta: theta,
            rmsNormEps: (json["rms_norm_eps"] as? NSNumber)?.floatValue ?? 1e-6,
            // transformers' LlamaConfig defaults tie_word_embeddings to false.
            tieWordEmbeddings: json["tie_word_embeddings"] as? Bool ?? false,
            contextLength: optionalInt("max_position_embeddings") ?? 2048)
        try validate(file: file)
    }
}
