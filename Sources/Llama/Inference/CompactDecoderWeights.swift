// Decode steps read every weight once, so their speed is set by bytes per weight. A model
// loaded from a quantized GGUF holds fp32 numbers that fit their original blocks exactly;
// `compacted()` re-encodes each matrix that does (see Tensor CompactMatrix.swift) so decode
// steps read 0.75–2 bytes per weight instead of 4 and compute with the very same weights.
// K-quant matrices (Q4_K, Q5_K, Q6_K) and Q5_0 cannot be refitted from their floats; the
// loader keeps them as `candidates` built from the file's own blocks (CompactLevels.swift),
// used when they still decode to the fp32 weights bit for bit. Matrices that do not fit
// (fine-tuned weights) keep only their fp32 form.
//
// Legend: C width, F ffn width, H/KVH heads, D head dim, V vocabulary.
import Tensor

/// One layer's matrices in compact form; nil where a matrix is not exactly representable.
public struct CompactLayerWeights {
    /// ((H + 2·KVH)·D, C), (C, H·D), (2F, C), (C, F)
    public var qkv, wo, gateUp, down: CompactMatrix?
    /// The projections one by one, when the fused matrices have no single compact form (a
    /// Q4_K_M file mixes Q4_K and Q6_K inside a layer).
    public var q, k, v, gate, up: CompactMatrix?
    /// A LoRA adapter merged into the fp32 weights but not into these encodings, which are the
    /// base's (`LlamaModel.mergeAdapterForSampling`): a product read from them adds the
    /// adapter's, W·x = W_base·x + s·B·(A·x).
    public var adapter: [LoRATarget: LowRankTerm] = [:]
}

extension CompactLayerWeights {
    /// The adapter's terms for `targets` (target, first output column, columns), nil with none.
    /// `targets` is built only when there is an adapter: decode steps ask for every projection
    /// of every layer, and most models have none.
    func terms(_ targets: @autoclosure () -> [(LoRATarget, Int, Int)]) -> [(term: LowRankTerm, column: Int, columns: Int)]? {
        guard !adapter.isEmpty else { return nil }
        return targets().compactMap { t in adapter[t.0].map { (term: $0, column: t.1, columns: t.2) } }
    }
}

/// One projection's LoRA factors: A (rank, in) and B (out, rank), row-major, and the scaling s.
public struct LowRankTerm {
    public var a: UnsafePointer<Float>, b: UnsafePointer<Float>
    public var rank: Int
    public var scaling: Float
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
        func compact(_ w: UnsafePointer<Float>, rows: Int, columns: Int, parts: [UnsafePointer<Float>] = []) -> CompactMatrix? {
            let fromBlocks = parts.isEmpty ? candidates[w] : CompactMatrix.stacked(parts.compactMap { candidates[$0] })
            if let fromBlocks, parts.isEmpty || parts.allSatisfy({ candidates[$0] != nil }), fromBlocks.rows == rows,
               fromBlocks.columns == columns, fromBlocks.reproduces(w) {
                return fromBlocks
            }
            return CompactMatrix.exact(w, rows: rows, columns: columns)
        }
        for (l, w) in layers.enumerated() where w.compact == nil {  // encodings already given are kept
            let fusedQKV = w.wk == w.wq + hd * c && w.wv == w.wk + kvd * c
            let fusedGateUp = w.wUp == w.wGate + f * c
            var layer = CompactLayerWeights(
                qkv: fusedQKV ? compact(w.wq, rows: g.qkvWidth, columns: c, parts: [w.wq, w.wk, w.wv]) : nil,
                wo: compact(w.wo, rows: c, columns: hd),
                gateUp: fusedGateUp ? compact(w.wGate, rows: 2 * f, columns: c, parts: [w.wGate, w.wUp]) : nil,
                down: compact(w.wDown, rows: c, columns: f))
            if layer.qkv == nil {
                layer.q = compact(w.wq, rows: hd, columns: c)
                layer.k = compact(w.wk, rows: kvd, columns: c)
                layer.v = compact(w.wv, rows: kvd, columns: c)
            }
            if layer.gateUp == nil {
                layer.gate = compact(w.wGate, rows: f, columns: c)
                layer.up = compact(w.wUp, rows: f, columns: c)
            }
            copy.layers[l].compact = layer
        }
        copy.compactLMHead = compactLMHead ?? compact(lmHead, rows: g.vocabulary, columns: c)
        return copy
    }

    /// Bytes of weights one decode step reads (compact where available, fp32 otherwise).
    public func bytesPerStep(geometry g: DecoderGeometry) -> Int {
        let c = g.width, f = g.ffnWidth, hd = g.heads * g.headDim, kvd = g.kvHeads * g.headDim
        func bytes(_ m: CompactMatrix?, _ rows: Int, _ columns: Int) -> Int { m?.byteCount ?? rows * columns * 4 }
        var total = bytes(compactLMHead, g.vocabulary, c)
        for w in layers {
            let k = w.compact
            total += k?.qkv.map(\.byteCount)
                ?? bytes(k?.q, hd, c) + bytes(k?.k, kvd, c) + bytes(k?.v, kvd, c)
            total += bytes(k?.wo, c, hd) + bytes(k?.down, c, f)
            total += k?.gateUp.map(\.byteCount) ?? bytes(k?.gate, f, c) + bytes(k?.up, f, c)
        }
        return total
    }
}
