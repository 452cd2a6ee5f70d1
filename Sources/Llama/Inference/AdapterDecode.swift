// Sampling from a LoRA policy. Merging the adapter (W ← W + s·B·A) gives the fp32 weights that
// prefill's sgemm reads, but a merged matrix no longer fits its GGUF blocks, so every decode
// step would read 4 bytes a weight and miss the integer kernels: a trained policy sampled at
// 94–132 tokens/s where the base model reached 235 (main job, AMD EPYC, 2 cores). Here decode
// steps keep reading the base's compact encodings and add the adapter's rank-r product,
// W·x = W_base·x + s·B·(A·x), as llama.cpp applies a LoRA adapter at run time. The two sides
// differ by float rounding (and the int8 activations the compact path already uses).
import Tensor

/// The base's compact encodings, with the adapter's terms attached, and the adapter that owns
/// the factors they point into.
final class RuntimeAdapter: @unchecked Sendable {
    let layers: [CompactLayerWeights?]
    let lmHead: CompactMatrix?
    let adapter: LoRAAdapter

    init(layers: [CompactLayerWeights?], lmHead: CompactMatrix?, adapter: LoRAAdapter) {
        self.layers = layers
        self.lmHead = lmHead
        self.adapter = adapter
    }
}

extension LlamaModel {
    /// Merges the attached adapter for sampling (as `mergeAdapter()`), and keeps decode steps on
    /// the base's compact encodings plus the adapter's product. For a model that is only
    /// sampled, scored or exported from now on: training the merged weights drops it.
    public func mergeAdapterForSampling() {
        guard let adapter, frozenBase == nil else { return mergeAdapter() }
        let base = decoderWeights.compacted(geometry: decoderGeometry)  // before the merge: the base's encodings
        let cfg = adapter.configuration, factors = UnsafePointer(adapter.parameters.pointer)
        let layers = base.layers.enumerated().map { l, w -> CompactLayerWeights? in
            guard var compact = w.compact else { return nil }
            for (target, slot) in adapter.slots[l] {
                compact.adapter[target] = LowRankTerm(a: factors + slot.a, b: factors + slot.b, rank: cfg.rank, scaling: cfg.scaling)
            }
            return compact
        }
        mergeAdapter()
        runtimeAdapter = RuntimeAdapter(layers: layers, lmHead: base.compactLMHead, adapter: adapter)
    }
}
