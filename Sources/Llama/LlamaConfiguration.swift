import Foundation
import ModelFiles
import Tensor

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
    /// The family's options (plain Llama by default).
    public var architecture: Architecture

    public init(
        vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int,
        kvHeadCount: Int, headDim: Int? = nil, ropeTheta: Double = 10000, rmsNormEps: Float = 1e-5,
        tieWordEmbeddings: Bool, contextLength: Int = 2048, architecture: Architecture = .llama
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
        self.architecture = architecture
    }

    /// From a Hugging Face config (ModelFiles validates it).
    public init(_ hf: HFConfig) {
        self.init(
            vocabularySize: hf.vocabSize, hiddenSize: hf.hiddenSize, intermediateSize: hf.intermediateSize,
            layerCount: hf.numHiddenLayers, headCount: hf.numAttentionHeads, kvHeadCount: hf.numKeyValueHeads,
            headDim: hf.headDim, ropeTheta: hf.ropeTheta, rmsNormEps: Float(hf.rmsNormEps),
            tieWordEmbeddings: hf.tieWordEmbeddings, contextLength: hf.maxPositionEmbeddings,
            architecture: Architecture(hf))
    }

    /// From a Hugging Face `config.json`.
    public init(hfConfig url: URL) throws {
        self.init(try HFConfig.load(from: url))
    }
}

extension Architecture {
    /// The options a validated Hugging Face config implies.
    public init(_ hf: HFConfig) {
        let family = ModelFamily(rawValue: hf.family) ?? .llama
        let scaling: RoPEScaling
        switch hf.ropeType {
        case "linear": scaling = .linear(factor: hf.ropeFactor ?? 1)
        case "llama3":
            scaling = .llama3(factor: hf.ropeFactor ?? 1, lowFreqFactor: hf.ropeLowFreqFactor ?? 1,
                              highFreqFactor: hf.ropeHighFreqFactor ?? 4,
                              originalContext: Double(hf.ropeOriginalContext ?? hf.maxPositionEmbeddings))
        default: scaling = .none
        }
        switch family {
        case .llama, .qwen2, .qwen3:
            self.init(family: family, qkvBias: family == .qwen2 || hf.attentionBias, qkNorm: family == .qwen3,
                      ropeScaling: scaling)
        case .gemma3:
            self.init(family: family, qkNorm: true, embeddingScale: Float(Double(hf.hiddenSize).squareRoot()),
                      activation: .geluTanh, sandwichNorms: true,
                      attentionScale: Float(pow(hf.queryPreAttnScalar ?? Double(hf.headDim), -0.5)),
                      ropeScaling: scaling, slidingWindow: hf.slidingWindow, localRopeTheta: hf.localRopeTheta ?? 10000,
                      slidingLayers: hf.slidingLayers)
        }
    }
}
