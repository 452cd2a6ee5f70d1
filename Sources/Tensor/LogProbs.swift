// Log-probabilities of chosen target tokens through the LM head, in row chunks, so the
// (N, V) logits tensor (V = 49,152 for SmolLM2) never exists for all rows at once — only a
// (R, V) chunk does. This is llm.c's `fused_classifier` idea on the CPU: the forward keeps
// just logsumexp per row; the backward recomputes the chunk's logits (one extra GEMM) and
// goes straight to d hidden and d W: ∂logp/∂logitⱼ = 1[j = target] − softmaxⱼ. When the
// caller can afford (M, V) floats it passes `saved`: the forward writes every chunk's logits
// there and the backward reads them back instead of recomputing (the same numbers, one LM-head
// GEMM fewer per step — about a tenth of a LoRA training step on SmolLM2).
//
// Only M selected rows are scored (`rows` (M) index into hidden (N,C)); prompt and
// padding positions cost nothing.

import Foundation

/// Rows per chunk: 128 · 49,152 floats = 25 MB of logits at a time.
public let logprobChunkRows = 128

/// Floats of scratch the chunked kernels need: gathered hidden (R,C), logits (R,V),
/// d hidden (R,C).
public func logprobScratchSize(v: Int, c: Int, chunk: Int = logprobChunkRows) -> Int {
    chunk * (v + 2 * c)
}

/// Copies rows[r] of hidden (N,C) into dst (R,C).
@inline(__always)
public func gatherRows(_ dst: UnsafeMutablePointer<Float>, _ hidden: UnsafePointer<Float>, rows: UnsafePointer<Int32>, count: Int, c: Int) {
    for r in 0..<count { (dst + r * c).update(from: hidden + Int(rows[r]) * c, count: c) }
}

/// logprobs (M) and lse (M, saved for the backward) ← hidden (N,C), rows (M), targets (M),
/// weight (V,C). logprobs[r] = logits[r][targets[r]] − logsumexp(logits[r]). With `saved`
/// (M,V) the logits of every row are kept there for `logprobBackward`.
public func logprobForward(
    _ logprobs: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
    hidden: UnsafePointer<Float>, rows: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, m: Int,
    weight: UnsafePointer<Float>, v: Int, c: Int, scratch: UnsafeMutablePointer<Float>, chunk: Int = logprobChunkRows,
    saved: UnsafeMutablePointer<Float>? = nil
) {
    let h = scratch
    var start = 0
    while start < m {
        let r = min(chunk, m - start)
        let logits = saved.map { $0 + start * v } ?? scratch + chunk * c
        gatherRows(h, hidden, rows: rows + start, count: r, c: c)
        matmulForward(logits, h, weight, n: r, c: c, oc: v)
        parallelFor(r) { i in
            let z = logits + i * v
            let mx = maxElement(z, v)
            let l = mx + logf(sumExp(z, v, shift: mx))
            lse[start + i] = l
            logprobs[start + i] = z[Int(targets[start + i])] - l
        }
        start += r
    }
}

/// dhidden (N,C) += and dweight (V,C) += the gradient of Σ dlogprobs[r]·logprobs[r].
/// Pass nil `dweight` when the LM head is frozen, and the forward's `saved` logits if it kept
/// them (they are read, not changed, so a second backward of the same forward works too).
public func logprobBackward(
    dhidden: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
    dlogprobs: UnsafePointer<Float>, lse: UnsafePointer<Float>,
    hidden: UnsafePointer<Float>, rows: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, m: Int,
    weight: UnsafePointer<Float>, v: Int, c: Int, scratch: UnsafeMutablePointer<Float>, chunk: Int = logprobChunkRows,
    saved: UnsafePointer<Float>? = nil
) {
    let h = scratch, logits = scratch + chunk * c, dh = logits + chunk * v
    var start = 0
    while start < m {
        let r = min(chunk, m - start)
        gatherRows(h, hidden, rows: rows + start, count: r, c: c)
        if let saved {
            logits.update(from: saved + start * v, count: r * v)
        } else {
            matmulForward(logits, h, weight, n: r, c: c, oc: v)
        }
        // logits → d logits in place.
        parallelFor(r) { i in
            let z = logits + i * v
            let g = dlogprobs[start + i], l = lse[start + i]
            scaledExpInPlace(z, v, shift: l, scale: -g)
            z[Int(targets[start + i])] += g
        }
        dh.update(repeating: 0, count: r * c)
        matmulBackward(dinp: dh, dweight: dweight, dout: logits, inp: h, weight: weight, n: r, c: c, oc: v)
        for i in 0..<r { axpy(dhidden + Int(rows[start + i]) * c, 1, dh + i * c, c) }
        start += r
    }
}
