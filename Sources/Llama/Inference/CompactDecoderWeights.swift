// Decode steps read every weight once, so their speed is set by bytes per weight. A model
// loaded from a quantized GGUF holds fp32 numbers that fit their original blocks exactly;
// `compacted()` re-encodes each matrix that does (see Tensor CompactMatrix.swift) so decode
// steps read 0.75–2 bytes per weight instead of 4 and compute with the very same weights.
// Matrices that do not fit (fine-tuned weights) keep only their fp32 form.
//
// Legend: C width, F ffn width, H/KVH heads, D head dim, V vocabulary.
import Tensor

/// One layer's matrices in compact form; nil where a matrix is not exactly representable.
public struct CompactLayerWeights {
    /// ((H + 2·KVH)·D, C), (C, H·D), (2F, C), (C, F)
    public var qkv, wo, gateUp, down: CompactMatrix?
}

extension DecoderWeights {
    /// A copy whose layers (with fused q|k|v and gate|up) and LM head carry compact
    /// encodings where one reproduces the fp32 weights exactly. The fp32 views stay: long
    /// prefills run through sgemm on them. Costs one pass over the weights (1.7 s for the
    /// 135M base model on 2 threads of a busy machine); a matrix that does not fit is
    /// rejected at its first mismatching block.
    public func compacted(geometry g: DecoderGeometry) -> DecoderWeights {
        var copy = self
        let c = g.width, f = g.ffnWidth, hd = g.heads * g.headDim, kvd = g.kvHeads * g.headDim
        for (l, w) in layers.enumerated() {
            let fusedQKV = w.wk == w.wq + hd * c && w.wv == w.wk + kvd * c
            let fusedGateUp = w.wUp == w.wGate + f * c
            copy.layers[l].compact = CompactLayerWeights(
                qkv: fusedQKV ? CompactMatrix.exact(w.wq, rows: g.qkvWidth, columns: c) : nil,
                wo: CompactMatrix.exact(w.wo, rows: c, columns: hd),
                gateUp: fusedGateUp ? CompactMatrix.exact(w.wGate, rows: 2 * f, columns: c) : nil,
                down: CompactMatrix.exact(w.wDown, rows: c, columns: f))
        }
        copy.compactLMHead = CompactMatrix.exact(lmHead, rows: g.vocabulary, columns: c)
        return copy
    }

    /// Bytes of weights one decode step reads (compact where available, fp32 otherwise).
    public func bytesPerStep(geometry g: DecoderGeometry) -> Int {
        let c = g.width, f = g.ffnWidth, hd = g.heads * g.headDim
        func bytes(_ m: CompactMatrix?, _ rows: Int, _ columns: Int) -> Int { m?.byteCount ?? rows * columns * 4 }
        var total = bytes(compactLMHead, g.vocabulary, c)
        for w in layers {
            total += bytes(w.compact?.qkv, g.qkvWidth, c) + bytes(w.compact?.wo, c, hd)
            total += bytes(w.compact?.gateUp, 2 * f, c) + bytes(w.compact?.down, c, f)
        }
        return total
    }
}
