import Foundation
import ModelFiles
import Support

extension LlamaModel {
    /// Writes `config.json` and `model.safetensors` (Hugging Face names, F32, q/k in the
    /// rotate-half layout HF uses; no `lm_head.weight` when tied) into `folder`, each file
    /// atomically. Merge an adapter first (`mergeAdapter()`) to export a LoRA policy.
    public func saveHuggingFace(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cfg = config
        let hf = HFConfig(
            vocabSize: cfg.vocabularySize, hiddenSize: cfg.hiddenSize, intermediateSize: cfg.intermediateSize,
            numHiddenLayers: cfg.layerCount, numAttentionHeads: cfg.headCount, numKeyValueHeads: cfg.kvHeadCount,
            headDim: cfg.headDim, rmsNormEps: Double(cfg.rmsNormEps), ropeTheta: cfg.ropeTheta,
            tieWordEmbeddings: cfg.tieWordEmbeddings, maxPositionEmbeddings: cfg.contextLength)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(hf), to: folder.appendingPathComponent("config.json"))
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for t in layout.tensors {
            try writer.add(t.name, parameters.array(offset: t.offset, count: t.count), shape: t.shape)
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
    }
}
