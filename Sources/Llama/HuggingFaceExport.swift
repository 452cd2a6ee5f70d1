import Foundation
import ModelFiles
import Support
import Tensor

extension HFConfig {
    /// The Hugging Face config of a model shape (no token ids): the inverse of
    /// `LlamaConfiguration(_: HFConfig)`.
    public init(_ cfg: LlamaConfiguration) {
        self.init(
            vocabSize: cfg.vocabularySize, hiddenSize: cfg.hiddenSize, intermediateSize: cfg.intermediateSize,
            numHiddenLayers: cfg.layerCount, numAttentionHeads: cfg.headCount, numKeyValueHeads: cfg.kvHeadCount,
            headDim: cfg.headDim, rmsNormEps: Double(cfg.rmsNormEps), ropeTheta: cfg.ropeTheta,
            tieWordEmbeddings: cfg.tieWordEmbeddings, maxPositionEmbeddings: cfg.contextLength)
        let arch = cfg.architecture
        switch arch.family {
        case .llama: break
        case .qwen2:
            modelType = "qwen2"
            architectures = ["Qwen2ForCausalLM"]
        case .qwen3:
            modelType = "qwen3"
            architectures = ["Qwen3ForCausalLM"]
        case .gemma3:
            modelType = "gemma3_text"
            architectures = ["Gemma3ForCausalLM"]
            hiddenAct = "gelu_pytorch_tanh"
            slidingWindow = arch.slidingWindow
            localRopeTheta = arch.localRopeTheta
            slidingLayers = arch.slidingLayers
            if let scale = arch.attentionScale {
                let s = Double(scale)
                queryPreAttnScalar = (1 / (s * s)).rounded()
            }
        }
        switch arch.ropeScaling {
        case .none: break
        case let .linear(factor):
            ropeType = "linear"
            ropeFactor = factor
        case let .llama3(factor, low, high, original):
            ropeType = "llama3"
            ropeFactor = factor
            ropeLowFreqFactor = low
            ropeHighFreqFactor = high
            ropeOriginalContext = Int(original)
        }
    }
}

extension LlamaModel {
    /// Writes `config.json` and `model.safetensors` (Hugging Face names, F32, q/k in the
    /// rotate-half layout HF uses, Gemma norm scales as w rather than 1 + w; no
    /// `lm_head.weight` when tied) into `folder`, each file atomically. Merge an adapter first
    /// (`mergeAdapter()`) to export a LoRA policy.
    public func saveHuggingFace(folder: URL) throws {
        precondition(frozenBase == nil, "a frozen (QLoRA) base has no fp32 projections to export; load the base in fp32")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(HFConfig(config)), to: folder.appendingPathComponent("config.json"))
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        let offset = config.architecture.normWeightOffset
        for t in layout.tensors {
            var values = parameters.array(offset: t.offset, count: t.count)
            if offset != 0, ParameterLayout.isNorm(t) { values = values.map { $0 - offset } }
            try writer.add(t.name, values, shape: t.shape)
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
    }
}
