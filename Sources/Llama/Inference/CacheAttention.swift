// Grouped-query attention of new query rows against the KV cache (the decode-time form of
// HF `eager_attention_forward`): row r, at position p of slot s, attends to that slot's
// keys 0...p (p − window < j ≤ p in a sliding-window layer) — causal by construction, since a forward writes all its rows' keys before
// any row attends. Rows of different slots never see each other, so prompts of different
// lengths need no padding or mask. Scores q·k/√D, softmax in fp32.
//
// Legend: N rows, H query heads, KVH kv heads, D head dim, P cache capacity.
import Foundation
import Tensor

/// out (N, H·D) ← q inside qkv (N, ld) at column 0, for rows at `positions` of `slots`.
/// scores is scratch of N·H·P floats.
func cacheAttentionForward(
    _ out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, ld: Int,
    slots: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, n: Int,
    cache: KVCache, layer: Int, scores: UnsafeMutablePointer<Float>
) {
    let g = cache.geometry
    let h = g.heads, d = g.headDim, group = g.heads / g.kvHeads, p = cache.capacity
    let scale = g.architecture.attentionScale ?? 1 / Float(d).squareRoot()
    let window = g.architecture.window(layer: layer)
    // Work items (row, head); interleaved so long and short rows of a prefill balance.
    parallelForInterleaved(n * h) { item in
        let row = item / h, head = item % h
        let slot = Int(slots[row]), length = Int(positions[row]) + 1
        let first = window.map { max(0, length - $0) } ?? 0
        let q = qkv + row * ld + head * d
        let keys = cache.keyBlock(layer: layer, slot: slot, kvHead: head / group)
        let values = cache.valueBlock(layer: layer, slot: slot, kvHead: head / group)
        let s = scores + item * p
        var maxScore = -Float.infinity
        for j in first..<length {
            let dot = dotProduct(q, keys + j * d, d) * scale
            s[j] = dot
            maxScore = max(maxScore, dot)
        }
        var sum: Float = 0
        for j in first..<length {
            let e = expf(s[j] - maxScore)
            s[j] = e
            sum += e
        }
        let y = out + row * h * d + head * d
        y.update(repeating: 0, count: d)
        let inv = 1 / sum
        for j in first..<length { axpy(y, s[j] * inv, values + j * d, d) }
    }
}

/// Σ a[i]·b[i] with 8-wide SIMD accumulators (the scalar loop does not vectorize: float
/// addition is not reassociated without fast-math).
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        acc1 += ra.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
        i += 16
    }
    var total = (acc0 + acc1).sum()
    while i < n {
        total += a[i] * b[i]
        i += 1
    }
    return total
}

/// y[i] += w·x[i].
@inline(__always)
func axpy(_ y: UnsafeMutablePointer<Float>, _ w: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    let ry = UnsafeMutableRawPointer(y), rx = UnsafeRawPointer(x)
    var i = 0
    while i + 8 <= n {
        let v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            + w * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n {
        y[i] += w * x[i]
        i += 1
    }
}
