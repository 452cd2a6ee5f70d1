import Foundation
import Tensor

// The decoder forward pass over a packed batch (HF `LlamaForCausalLM`, llm.c `gpt2_forward`):
//   x = embed[ids]; per layer: h = x + o(Attn(RoPE(q, k), v)(RMSNorm₁(x)));
//   x = h + down(silu(gate(n)) ⊙ up(n)) with n = RMSNorm₂(h); final RMSNorm; log-probs of
//   the selected targets through the (tied or untied) LM head, in chunks.
// The other families are options of the same pass (`Architecture`): q/k/v biases (Qwen2),
// per-head q/k RMSNorm before RoPE (Qwen3, Gemma 3), and for Gemma 3 embeddings × √C,
// GeGLU, RMSNorms on the attention and MLP outputs before each residual add, a q·k scale of
// its own, and sliding-window layers with their own RoPE base.
// Every activation the backward needs is saved in `workspace.activations`.

extension LlamaModel {
    /// Runs the model on `batch` and returns the selected targets' log-probs (and the final
    /// hidden states when `computeHidden`). `training` enables LoRA dropout. `forBackward: false`
    /// is a forward-only pass (scoring, reference log-probs): the layers share one activation
    /// region instead of keeping each its own (about a thirtieth of the memory for SmolLM2), and
    /// `backward` refuses to follow it.
    public func forward(_ batch: TokenBatch, computeHidden: Bool = false, training: Bool = false,
                        forBackward: Bool = true) throws -> ForwardResult {
        let cfg = config
        let c = cfg.hiddenSize, f = cfg.intermediateSize, v = cfg.vocabularySize
        let hd = cfg.headCount * cfg.headDim, kvd = cfg.kvHeadCount * cfg.headDim, qkvWidth = hd + 2 * kvd
        let lengths = batch.lengths
        let maxLength = lengths.max() ?? 0
        guard maxLength <= cfg.contextLength else {
            throw LlamaError.badBatch(reason: "a sequence has \(maxLength) tokens, the model's context is \(cfg.contextLength)")
        }
        rope.ensure(maxLength)

        // Pack the sequences: each one's own tokens (after a shared prefix) one after another.
        try batch.validatePrefixes()  // `ids` may have changed since `sharingPrompts`
        let packing = PackedRows(batch)
        let n = packing.count, starts = packing.starts
        let ws = workspace
        ws.ids.removeAll(keepingCapacity: true)
        ws.positions.removeAll(keepingCapacity: true)
        ws.rows.removeAll(keepingCapacity: true)
        ws.targets.removeAll(keepingCapacity: true)
        var targetIndex: [(Int, Int)] = []
        for (b, seq) in batch.ids.enumerated() {
            let own = batch.prefixes[b]?.length ?? 0
            for (t, id) in seq.enumerated() {
                guard id >= 0, Int(id) < v else {
                    throw LlamaError.badBatch(reason: "sequence \(b) position \(t): token id \(id) is outside the vocabulary (0..<\(v))")
                }
                if t >= own {
                    ws.ids.append(id)
                    ws.positions.append(Int32(t))
                }
                if batch.targetMask[b][t] {
                    ws.rows.append(Int32(packing.row(b, t)))
                    ws.targets.append(seq[t + 1])
                    targetIndex.append((b, t))
                }
            }
        }
        let ownLengths = packing.ownLengths, shared = packing.sharedRows
        let attSize = attentionSize(heads: cfg.headCount, lengths: ownLengths, prefixes: shared)
        let saved = ActivationLayout(config: cfg, n: n, att: attSize, perLayer: forBackward)
        ws.activations.reserve(saved.count)
        state = ForwardState(packing: packing, attSize: attSize, layout: saved, targetIndex: targetIndex, training: training,
                             forBackward: forBackward)
        adapter?.prepare(rows: n, training: training)

        let p = parameters.pointer, a = ws.activations.pointer
        let arch = cfg.architecture
        ws.ids.withUnsafeBufferPointer { ids in
            embeddingForward(a + saved.layers[0].resid, ids: ids.baseAddress!, table: p + layout.embedding, n: n, c: c)
        }
        if let scale = arch.embeddingScale { scaleInPlace(a + saved.layers[0].resid, count: n * c, by: scale) }
        ws.positions.withUnsafeBufferPointer { positionBuffer in
            let positions = positionBuffer.baseAddress!
            for (l, w) in self.layout.layers.enumerated() {
                let act = saved.layers[l]
                let next = l + 1 < cfg.layerCount ? saved.layers[l + 1].resid : saved.residFinal
                let shape = AttentionShape(heads: cfg.headCount, kvHeads: cfg.kvHeadCount, headDim: cfg.headDim,
                                           ld: qkvWidth, qOffset: 0, kOffset: hd, vOffset: hd + kvd,
                                           scale: arch.attentionScale, window: arch.window(layer: l))
                let table = ropeTable(layer: l)
                // Attention block.
                rmsnormForward(a + act.ln1, a + act.rstd1, a + act.resid, p + w.attnNorm, n: n, c: c, eps: cfg.rmsNormEps)
                let raw = a + act.qkvRaw
                projectForward(l, .q, offset: w.wqkv, out: raw, x: a + act.ln1, n: n, c: c, oc: qkvWidth)
                adapter?.forward(layer: l, .q, x: a + act.ln1, ldx: c, out: raw, ldOut: qkvWidth, rows: n)
                adapter?.forward(layer: l, .k, x: a + act.ln1, ldx: c, out: raw + hd, ldOut: qkvWidth, rows: n)
                adapter?.forward(layer: l, .v, x: a + act.ln1, ldx: c, out: raw + hd + kvd, ldOut: qkvWidth, rows: n)
                if let bias = w.qkvBias { addBias(raw, ld: qkvWidth, n: n, bias: p + bias, width: qkvWidth) }
                if let qNorm = w.qNorm, let kNorm = w.kNorm {
                    (a + act.qkv).update(from: raw, count: n * qkvWidth)
                    headNormForward(a + act.qkv, rstd: a + act.qkRstd, raw, ld: qkvWidth, n: n, heads: cfg.headCount,
                                    d: cfg.headDim, weight: p + qNorm, eps: cfg.rmsNormEps)
                    headNormForward(a + act.qkv + hd, rstd: a + act.qkRstd + n * cfg.headCount, raw + hd, ld: qkvWidth, n: n,
                                    heads: cfg.kvHeadCount, d: cfg.headDim, weight: p + kNorm, eps: cfg.rmsNormEps)
                }
                ropeForward(a + act.qkv, ld: qkvWidth, n: n, heads: cfg.headCount, positions: positions, table: table)
                ropeForward(a + act.qkv + hd, ld: qkvWidth, n: n, heads: cfg.kvHeadCount, positions: positions, table: table)
                attentionForward(a + act.attOut, att: a + act.att, qkv: a + act.qkv, starts: starts, lengths: ownLengths,
                                 prefixes: shared, shape: shape)
                if let postNorm = w.postAttentionNorm {
                    // mid = resid + RMSNorm(o(attention)); the normed output passes through ln2.
                    projectForward(l, .o, offset: w.wo, out: a + act.attnProj, x: a + act.attOut, n: n, c: hd, oc: c)
                    adapter?.forward(layer: l, .o, x: a + act.attOut, ldx: hd, out: a + act.attnProj, ldOut: c, rows: n)
                    rmsnormForward(a + act.ln2, a + act.rstdPostAttn, a + act.attnProj, p + postNorm, n: n, c: c, eps: cfg.rmsNormEps)
                    for i in 0..<(n * c) { a[act.mid + i] = a[act.resid + i] + a[act.ln2 + i] }
                } else {
                    (a + act.mid).update(from: a + act.resid, count: n * c)
                    projectForward(l, .o, offset: w.wo, out: a + act.mid, x: a + act.attOut, n: n, c: hd, oc: c, accumulate: true)
                    adapter?.forward(layer: l, .o, x: a + act.attOut, ldx: hd, out: a + act.mid, ldOut: c, rows: n)
                }
                // MLP block.
                rmsnormForward(a + act.ln2, a + act.rstd2, a + act.mid, p + w.ffnNorm, n: n, c: c, eps: cfg.rmsNormEps)
                projectForward(l, .gate, offset: w.wGateUp, out: a + act.gateUp, x: a + act.ln2, n: n, c: c, oc: 2 * f)
                adapter?.forward(layer: l, .gate, x: a + act.ln2, ldx: c, out: a + act.gateUp, ldOut: 2 * f, rows: n)
                adapter?.forward(layer: l, .up, x: a + act.ln2, ldx: c, out: a + act.gateUp + f, ldOut: 2 * f, rows: n)
                switch arch.activation {
                case .silu: swigluForward(a + act.act, a + act.gateUp, n: n, f: f)
                case .geluTanh: gegluForward(a + act.act, a + act.gateUp, n: n, f: f)
                }
                if let postNorm = w.postFFNNorm {
                    projectForward(l, .down, offset: w.wDown, out: a + act.mlpOut, x: a + act.act, n: n, c: f, oc: c)
                    adapter?.forward(layer: l, .down, x: a + act.act, ldx: f, out: a + act.mlpOut, ldOut: c, rows: n)
                    rmsnormForward(a + next, a + act.rstdPostFFN, a + act.mlpOut, p + postNorm, n: n, c: c, eps: cfg.rmsNormEps)
                    for i in 0..<(n * c) { a[next + i] += a[act.mid + i] }
                } else {
                    (a + next).update(from: a + act.mid, count: n * c)
                    projectForward(l, .down, offset: w.wDown, out: a + next, x: a + act.act, n: n, c: f, oc: c, accumulate: true)
                    adapter?.forward(layer: l, .down, x: a + act.act, ldx: f, out: a + next, ldOut: c, rows: n)
                }
            }
        }
        rmsnormForward(a + saved.lnf, a + saved.rstdf, a + saved.residFinal, p + self.layout.finalNorm,
                       n: n, c: c, eps: cfg.rmsNormEps)

        // Log-probs of the selected targets.
        let m = ws.rows.count
        ws.lse = [Float](repeating: 0, count: m)
        ws.logprobs = [Float](repeating: 0, count: m)
        ws.head.reserve(logprobScratchSize(v: v, c: c))
        // A model with trainable weights keeps the logits for its backward (if they fit).
        let keep = forBackward && (trainsBase || adapter != nil) && m * v <= savedLogitsBudget
        if keep { ws.logits.reserve(m * v) }
        state?.logitsSaved = keep
        let savedLogits = keep ? ws.logits.pointer : nil
        ws.rows.withUnsafeBufferPointer { rows in
            ws.targets.withUnsafeBufferPointer { targets in
                ws.logprobs.withUnsafeMutableBufferPointer { lp in
                    ws.lse.withUnsafeMutableBufferPointer { lse in
                        logprobForward(lp.baseAddress!, lse: lse.baseAddress!, hidden: a + saved.lnf, rows: rows.baseAddress!,
                                       targets: targets.baseAddress!, m: m, weight: p + self.layout.lmHead, v: v, c: c,
                                       scratch: ws.head.pointer, saved: savedLogits)
                    }
                }
            }
        }
        var logprobs = lengths.map { [Float](repeating: 0, count: $0) }
        for (k, (b, t)) in targetIndex.enumerated() { logprobs[b][t] = ws.logprobs[k] }
        let hidden = computeHidden ? ws.activations.array(offset: saved.lnf, count: n * c) : nil
        return ForwardResult(logprobs: logprobs, hidden: hidden, rows: packing)
    }

    /// Full-vocabulary logits at (sequence, position) pairs of the LAST forward (tests,
    /// diagnostics). Each returned row has V entries.
    public func logits(at positions: [(sequence: Int, position: Int)]) throws -> [[Float]] {
        let v = config.vocabularySize, hidden = try hiddenRows(at: positions)
        guard !positions.isEmpty else { return [] }  // an empty array's buffer may have no address
        var flat = [Float](repeating: 0, count: positions.count * v)
        hidden.withUnsafeBufferPointer { h in
            flat.withUnsafeMutableBufferPointer { o in logits(ofHidden: h.baseAddress!, rows: positions.count, into: o.baseAddress!) }
        }
        return positions.indices.map { Array(flat[($0 * v)..<(($0 + 1) * v)]) }
    }

    /// The final hidden states (after the last norm: what the LM head reads) at (sequence,
    /// position) pairs of the LAST forward, one row of C after another. Works after a
    /// forward-only pass. Keeping these instead of logits (C = 576 floats a row for SmolLM2,
    /// V = 49,152) lets a caller run another model before it needs the logits.
    public func hiddenRows(at positions: [(sequence: Int, position: Int)]) throws -> [Float] {
        guard let state else { throw LlamaError.badBatch(reason: "call forward before asking for hidden states or logits") }
        let c = config.hiddenSize
        let rows = try positions.map { b, t in
            guard b < state.packing.lengths.count, t < state.packing.lengths[b] else {
                throw LlamaError.badBatch(reason: "position (\(b), \(t)) is outside the last batch")
            }
            return Int32(state.packing.row(b, t))
        }
        guard !rows.isEmpty else { return [] }  // an empty array's buffer may have no address
        var out = [Float](repeating: 0, count: rows.count * c)
        rows.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { o in
                gatherRows(o.baseAddress!, workspace.activations.pointer + state.layout.lnf, rows: r.baseAddress!, count: rows.count, c: c)
            }
        }
        return out
    }

    /// out (M × V) = the logits of M final hidden-state rows (M × C, as `hiddenRows` gives them)
    /// through this model's LM head.
    public func logits(ofHidden hidden: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>) {
        guard m > 0 else { return }
        matmulForward(out, hidden, parameters.pointer + layout.lmHead, n: m, c: config.hiddenSize, oc: config.vocabularySize)
    }
}
