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

    /// From a Hugging Face config (ModelFiles validates it: plain Llama only).
    public init(_ hf: HFConfig) {
        self.init(
            vocabularySize: hf.vocabSize, hiddenSize: hf.hiddenSize, intermediateSize: hf.intermediateSize,
            layerCount: hf.numHiddenLayers, headCount: hf.numAttentionHeads, kvHeadCount: hf.numKeyValueHeads,
            headDim: hf.headDim, ropeTheta: hf.ropeTheta, rmsNormEps: Float(hf.rmsNormEps),
            tieWordEmbeddings: hf.tieWordEmbeddings, contextLength: hf.maxPositionEmbeddings)
    }

    /// From GGUF metadata (`llama.*` keys as llama.cpp's converter writes them). GGUF float
    /// keys are float32, so eps 1e-5 reads back as 9.99999975e-06 — the value llama.cpp uses.
    public init(gguf: GGUFFile) throws {
        let hf = try HFConfig(gguf: gguf)
        try hf.validate(file: gguf.url.path)
        self.init(hf)
    }

    /// From a Hugging Face `config.json`.
    public init(hfConfig url: URL) throws {
        self.init(try HFConfig.load(from: url))
    }
}
