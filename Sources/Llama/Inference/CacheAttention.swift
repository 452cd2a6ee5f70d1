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
    // Work items (row, kv head), each with its group's query heads in turn: a kv head's keys
    // and values come from memory once, into one core's cache, for all the heads reading them.
    // Interleaved so long and short rows of a prefill balance.
    let kvh = g.kvHeads
    parallelForInterleaved(n * kvh) { item in
        let row = item / kvh, kvHead = item % kvh
        let slot = Int(slots[row]), length = Int(positions[row]) + 1
        let first = window.map { max(0, length - $0) } ?? 0
        let keys = cache.keyBlock(layer: layer, slot: slot, kvHead: kvHead) + first * d
        let values = cache.valueBlock(layer: layer, slot: slot, kvHead: kvHead) + first * d
        let count = length - first
        for head in (kvHead * group)..<((kvHead + 1) * group) {
            // Scores of keys first..<length, softmax (vectorised exp), then the weighted values.
            let s = scores + (row * h + head) * p + first
            scaledDots(s, qkv + row * ld + head * d, keys, count: count, d: d, scale: scale)
            softmaxInPlace(s, count)
            weightedRowSum(out + row * h * d + head * d, s, values, count: count, d: d)
        }
    }
}
