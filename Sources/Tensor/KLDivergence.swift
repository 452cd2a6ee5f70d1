// KL divergence between the next-token distributions of two models at one position, exact
// over the vocabulary, from their logit rows p and q (V each):
//   KL(P ‖ Q) = Σ_v P(v) (log P(v) − log Q(v)),  P = softmax(p), Q = softmax(q)
//             = Σ_v P(v) (p_v − q_v) − (lse(p) − lse(q))      (Σ_v P(v) = 1)
// The second form needs one exponential per entry (for P) instead of two logarithms.

import Foundation

/// KL(softmax(p) ‖ softmax(q)) in nats for two rows of `v` logits; `scratch` holds `v` floats.
/// The weighted sum is accumulated in Double. The divergence is never negative; a rounding
/// error below zero (identical rows) is returned as 0.
public func klDivergence(logits p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, v: Int,
                         scratch: UnsafeMutablePointer<Float>) -> Double {
    precondition(v > 0, "klDivergence needs at least one logit")
    let maxP = maxElement(p, v), maxQ = maxElement(q, v)
    let sumP = sumExp(p, v, shift: maxP), sumQ = sumExp(q, v, shift: maxQ)
    let lseP = Double(maxP) + log(Double(sumP)), lseQ = Double(maxQ) + log(Double(sumQ))
    scratch.update(from: p, count: v)
    scaledExpInPlace(scratch, v, shift: maxP, scale: 1 / sumP)  // P
    var expected = 0.0  // Σ P(v) (p_v − q_v)
    var i = 0
    while i + 8 <= v {
        expected += Double((load8(scratch + i) * (load8(p + i) - load8(q + i))).sum())
        i += 8
    }
    while i < v {
        expected += Double(scratch[i] * (p[i] - q[i]))
        i += 1
    }
    return max(0, expected - (lseP - lseQ))
}

/// out[r] = KL(softmax(p[r]) ‖ softmax(q[r])) for `m` pairs of rows (M,V), split across the workers.
public func klDivergenceRows(_ out: UnsafeMutablePointer<Double>, logits p: UnsafePointer<Float>, _ q: UnsafePointer<Float>,
                             m: Int, v: Int) {
    parallelChunks(m) { range in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: v)
        defer { scratch.deallocate() }
        for r in range { out[r] = klDivergence(logits: p + r * v, q + r * v, v: v, scratch: scratch) }
    }
}
