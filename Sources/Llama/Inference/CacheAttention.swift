// Grouped-query attention of new query rows against the KV cache (the decode-time form of
// HF `eager_attention_forward`): row r, at position p of slot s, attends to that slot's
// keys 0...p (p − window < j ≤ p in a sliding-window layer) — causal by construction, since a
// forward writes all its rows' keys before any row attends. Rows of different slots never see
// each other, so prompts of different lengths need no padding or mask. Scores q·k/√D, softmax
// in fp32.
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
        // Scores of keys first..<length, softmax (vectorised exp), then the weighted values.
        let s = scores + item * p + first, count = length - first
        for j in 0..<count { s[j] = dot(q, keys + (first + j) * d, d) * scale }
        softmaxInPlace(s, count)
        weightedRowSum(out + row * h * d + head * d, s, values + first * d, count: count, d: d)
    }
}
