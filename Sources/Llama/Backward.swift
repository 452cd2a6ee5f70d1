import Foundation
import Tensor

// Backward of `forward` (llm.c `gpt2_backward`): from d(log-probs) [B][T] and optionally
// d(final hidden) (N, C), walk the layers in reverse, keeping the residual-stream gradient
// in `dres`. Parameter gradients are ADDED to `gradients` (when `trainsBase`) and to the
// adapter's gradients; call `zeroGrad()` once per optimizer step. With a frozen base every
// dW GEMM is skipped (only activation gradients flow, to reach the adapters).

extension LlamaModel {
    /// dLogprobs [B][T] matches `ForwardResult.logprobs` (entries at unselected positions
    /// are ignored); dHidden is (N, C) packed like `ForwardResult.hidden`.
    public func backward(dLogprobs: [[Float]], dHidden: [Float]? = nil) throws {
        guard let state else { throw LlamaError.badBatch(reason: "call forward before backward") }
        guard state.forBackward else {
            throw LlamaError.badBatch(reason: "the last forward was forward-only (forBackward: false); run it with forBackward: true before backward")
        }
        guard dLogprobs.count == state.packing.lengths.count,
              zip(dLogprobs, state.packing.lengths).allSatisfy({ $0.count == $1 })
        else {
            throw LlamaError.badBatch(reason: "dLogprobs must have the shape of the last forward's logprobs")
        }
        let cfg = config
        let c = cfg.hiddenSize, f = cfg.intermediateSize, v = cfg.vocabularySize, n = state.n
        let hd = cfg.headCount * cfg.headDim, kvd = cfg.kvHeadCount * cfg.headDim, qkvWidth = hd + 2 * kvd
        if let dHidden, dHidden.count != n * c {
            throw LlamaError.badBatch(reason: "dHidden has \(dHidden.count) values, expected \(n) rows × \(c)")
        }
        let ws = workspace, saved = state.layout
        let scratchLayout = GradientScratchLayout(config: cfg, n: n, att: state.attSize)
        ws.gradients.reserve(scratchLayout.count)
        let p = parameters.pointer, a = ws.activations.pointer, s = ws.gradients.pointer
        let g: UnsafeMutablePointer<Float>? = trainsBase ? gradients?.pointer : nil
        func grad(_ offset: Int) -> UnsafeMutablePointer<Float>? { g.map { $0 + offset } }
        let dres = s + scratchLayout.dres, dln = s + scratchLayout.dln, dattOut = s + scratchLayout.dattOut
        let dqkv = s + scratchLayout.dqkv, dact = s + scratchLayout.dact, dGateUp = s + scratchLayout.dGateUp
        let arch = cfg.architecture

        // LM head and final norm.
        dln.update(repeating: 0, count: n * c)
        if let dHidden { dHidden.withUnsafeBufferPointer { dln.update(from: $0.baseAddress!, count: n * c) } }
        ws.dlogprobs = state.targetIndex.map { dLogprobs[$0.0][$0.1] }
        let m = ws.rows.count
        ws.rows.withUnsafeBufferPointer { rows in
            ws.targets.withUnsafeBufferPointer { targets in
                ws.dlogprobs.withUnsafeBufferPointer { dlp in
                    ws.lse.withUnsafeBufferPointer { lse in
                        logprobBackward(dhidden: dln, dweight: grad(layout.lmHead), dlogprobs: dlp.baseAddress!, lse: lse.baseAddress!,
                                        hidden: a + saved.lnf, rows: rows.baseAddress!, targets: targets.baseAddress!, m: m,
                                        weight: p + layout.lmHead, v: v, c: c, scratch: ws.head.pointer,
                                        saved: state.logitsSaved ? UnsafePointer(ws.logits.pointer) : nil)
                    }
                }
            }
        }
        dres.update(repeating: 0, count: n * c)
        rmsnormBackward(dinp: dres, dweight: grad(layout.finalNorm), dout: dln, inp: a + saved.residFinal,
                        weight: p + layout.finalNorm, rstd: a + saved.rstdf, n: n, c: c)

        let ownLengths = state.packing.ownLengths, shared = state.packing.sharedRows
        ws.positions.withUnsafeBufferPointer { positionBuffer in
            let positions = positionBuffer.baseAddress!
            for l in stride(from: cfg.layerCount - 1, through: 0, by: -1) {
                let w = layout.layers[l], act = saved.layers[l]
                // The first layer's input gradient only matters for the embedding.
                let needInput = trainsBase || l > 0
                let shape = AttentionShape(heads: cfg.headCount, kvHeads: cfg.kvHeadCount, headDim: cfg.headDim,
                                           ld: qkvWidth, qOffset: 0, kOffset: hd, vOffset: hd + kvd,
                                           scale: arch.attentionScale, window: arch.window(layer: l))
                let table = ropeTable(layer: l)
                // MLP block: dres is d(next residual) = d(down output) and d(mid) so far
                // (with a post-norm, d(down output) is that norm's input gradient, in dproj).
                var dDown = UnsafePointer(dres)
                if let postNorm = w.postFFNNorm {
                    let dproj = s + scratchLayout.dproj
                    dproj.update(repeating: 0, count: n * c)
                    rmsnormBackward(dinp: dproj, dweight: grad(postNorm), dout: dres, inp: a + act.mlpOut, weight: p + postNorm,
                                    rstd: a + act.rstdPostFFN, n: n, c: c)
                    dDown = UnsafePointer(dproj)
                }
                // The activation output is shared by all layers (Workspace.swift): recompute
                // this layer's from its gate|up.
                switch arch.activation {
                case .silu: swigluForward(a + act.act, a + act.gateUp, n: n, f: f)
                case .geluTanh: gegluForward(a + act.act, a + act.gateUp, n: n, f: f)
                }
                dact.update(repeating: 0, count: n * f)
                projectBackward(l, .down, offset: w.wDown, dx: dact, dweight: grad(w.wDown), dOut: dDown, x: a + act.act, n: n, c: f, oc: c)
                adapter?.backward(layer: l, .down, x: a + act.act, ldx: f, dOut: dDown, ldDout: c, dx: dact, ldDx: f, rows: n)
                switch arch.activation {
                case .silu: swigluBackward(dGateUp: dGateUp, dout: dact, gateUp: a + act.gateUp, n: n, f: f)
                case .geluTanh: gegluBackward(dGateUp: dGateUp, dout: dact, gateUp: a + act.gateUp, n: n, f: f)
                }
                dln.update(repeating: 0, count: n * c)
                projectBackward(l, .gate, offset: w.wGateUp, dx: dln, dweight: grad(w.wGateUp), dOut: dGateUp, x: a + act.ln2,
                                n: n, c: c, oc: 2 * f)
                adapter?.backward(layer: l, .gate, x: a + act.ln2, ldx: c, dOut: dGateUp, ldDout: 2 * f, dx: dln, ldDx: c, rows: n)
                adapter?.backward(layer: l, .up, x: a + act.ln2, ldx: c, dOut: dGateUp + f, ldDout: 2 * f, dx: dln, ldDx: c, rows: n)
                rmsnormBackward(dinp: dres, dweight: grad(w.ffnNorm), dout: dln, inp: a + act.mid, weight: p + w.ffnNorm,
                                rstd: a + act.rstd2, n: n, c: c)
                // Attention block: dres is now d(mid) = d(o output) and d(resid) so far.
                var dO = UnsafePointer(dres)
                if let postNorm = w.postAttentionNorm {
                    let dproj = s + scratchLayout.dproj
                    dproj.update(repeating: 0, count: n * c)
                    rmsnormBackward(dinp: dproj, dweight: grad(postNorm), dout: dres, inp: a + act.attnProj, weight: p + postNorm,
                                    rstd: a + act.rstdPostAttn, n: n, c: c)
                    dO = UnsafePointer(dproj)
                }
                dattOut.update(repeating: 0, count: n * hd)
                projectBackward(l, .o, offset: w.wo, dx: dattOut, dweight: grad(w.wo), dOut: dO, x: a + act.attOut, n: n, c: hd, oc: c)
                adapter?.backward(layer: l, .o, x: a + act.attOut, ldx: hd, dOut: dO, ldDout: c, dx: dattOut, ldDx: hd, rows: n)
                attentionBackward(dqkv: dqkv, scratch: s + scratchLayout.datt, dout: dattOut, att: a + act.att, qkv: a + act.qkv,
                                  starts: state.packing.starts, lengths: ownLengths, prefixes: shared, shape: shape)
                ropeBackward(dqkv, ld: qkvWidth, n: n, heads: cfg.headCount, positions: positions, table: table)
                ropeBackward(dqkv + hd, ld: qkvWidth, n: n, heads: cfg.kvHeadCount, positions: positions, table: table)
                if let qNorm = w.qNorm, let kNorm = w.kNorm {
                    // In place: d(normed q, k) → d(projected q, k); v passes through.
                    headNormBackward(dqkv, dweight: grad(qNorm), x: a + act.qkvRaw, ld: qkvWidth, n: n, heads: cfg.headCount,
                                     d: cfg.headDim, weight: p + qNorm, rstd: a + act.qkRstd)
                    headNormBackward(dqkv + hd, dweight: grad(kNorm), x: a + act.qkvRaw + hd, ld: qkvWidth, n: n,
                                     heads: cfg.kvHeadCount, d: cfg.headDim, weight: p + kNorm, rstd: a + act.qkRstd + n * cfg.headCount)
                }
                if let bias = w.qkvBias, let gb = grad(bias) { biasBackward(gb, dy: dqkv, ld: qkvWidth, n: n, width: qkvWidth) }
                dln.update(repeating: 0, count: n * c)
                projectBackward(l, .q, offset: w.wqkv, dx: needInput ? dln : nil, dweight: grad(w.wqkv), dOut: dqkv, x: a + act.ln1,
                                n: n, c: c, oc: qkvWidth)
                let dx = needInput ? dln : nil
                adapter?.backward(layer: l, .q, x: a + act.ln1, ldx: c, dOut: dqkv, ldDout: qkvWidth, dx: dx, ldDx: c, rows: n)
                adapter?.backward(layer: l, .k, x: a + act.ln1, ldx: c, dOut: dqkv + hd, ldDout: qkvWidth, dx: dx, ldDx: c, rows: n)
                adapter?.backward(layer: l, .v, x: a + act.ln1, ldx: c, dOut: dqkv + hd + kvd, ldDout: qkvWidth, dx: dx, ldDx: c, rows: n)
                if needInput {
                    rmsnormBackward(dinp: dres, dweight: grad(w.attnNorm), dout: dln, inp: a + act.resid, weight: p + w.attnNorm,
                                    rstd: a + act.rstd1, n: n, c: c)
                }
            }
        }
        if let g {
            if let scale = arch.embeddingScale { scaleInPlace(dres, count: n * c, by: scale) }
            ws.ids.withUnsafeBufferPointer { ids in
                embeddingBackward(dtable: g + layout.embedding, dout: dres, ids: ids.baseAddress!, n: n, c: c)
            }
        }
    }
}
