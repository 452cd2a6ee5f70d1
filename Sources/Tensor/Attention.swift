// Causal grouped-query self-attention (GQA, Ainslie et al. 2023, arXiv 2305.13245) over
// PACKED sequences: the batch's real tokens are concatenated into N rows, sequence s
// occupying rows starts[s] ..< starts[s] + lengths[s]. Packing replaces the key-padding
// mask (a right-padded row never sees padding because padding is never stored) and saves
// the padded rows' work. Query head h reads KV head h / (H / KVH). Scores q·k/√D,
// softmax in fp32 (llm.c `attention_forward`, HF `eager_attention_forward`).
//
// q, k and v live in one fused row (N, ld): q at column qOffset (H·D wide), k at kOffset,
// v at vOffset (KVH·D wide each). The saved probabilities `att` hold, for each sequence
// in order, an (H, L, L) block (row t is valid for j ≤ t): size Σ H·L², see `attentionSize`.

import Foundation

/// Geometry shared by the forward and backward kernels.
public struct AttentionShape: Sendable {
    public var heads: Int, kvHeads: Int, headDim: Int
    /// Row stride of the fused qkv buffer and the column offsets of q, k, v inside it.
    public var ld: Int, qOffset: Int, kOffset: Int, vOffset: Int

    public init(heads: Int, kvHeads: Int, headDim: Int, ld: Int, qOffset: Int, kOffset: Int, vOffset: Int) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ld = ld
        self.qOffset = qOffset
        self.kOffset = kOffset
        self.vOffset = vOffset
    }
}

/// Floats needed for the saved probabilities of sequences with these lengths.
public func attentionSize(heads: Int, lengths: [Int]) -> Int {
    lengths.reduce(0) { $0 + heads * $1 * $1 }
}

/// Maps a flat work index to (sequence, head, row) over all sequences; items are ordered
/// sequence-major so `parallelForInterleaved` balances the triangular cost.
@usableFromInline
struct AttentionItems {
    let lengths: [Int], heads: Int
    let itemStart: [Int]  // first item of each sequence
    let attStart: [Int]  // first float of each sequence's (H, L, L) block

    init(lengths: [Int], heads: Int) {
        self.lengths = lengths
        self.heads = heads
        var items: [Int] = [], att: [Int] = []
        var i = 0, a = 0
        for l in lengths {
            items.append(i)
            att.append(a)
            i += heads * l
            a += heads * l * l
        }
        itemStart = items + [i]
        attStart = att
    }

    var count: Int { itemStart.last! }

    /// (sequence, head, row-in-sequence) of item `i`.
    func locate(_ i: Int) -> (Int, Int, Int) {
        var lo = 0, hi = lengths.count - 1
        while lo < hi {  // last s with itemStart[s] <= i
            let mid = (lo + hi + 1) / 2
            if itemStart[mid] <= i { lo = mid } else { hi = mid - 1 }
        }
        let r = i - itemStart[lo], l = lengths[lo]
        return (lo, r / l, r % l)
    }
}

/// out (N, H·D) and att (Σ H·L²) ← fused qkv (N, ld).
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let scale = 1 / Float(d).squareRoot()
    let items = AttentionItems(lengths: lengths, heads: h)
    parallelForInterleaved(items.count) { item in
        let (s, head, t) = items.locate(item)
        let l = lengths[s], row0 = starts[s]
        let q = qkv + (row0 + t) * ld + shape.qOffset + head * d
        let kvCol = (head / group) * d
        let p = att + items.attStart[s] + (head * l + t) * l
        var maxScore = -Float.infinity
        for j in 0...t {
            let k = qkv + (row0 + j) * ld + shape.kOffset + kvCol
            let score = dot(q, k, d) * scale
            p[j] = score
            if score > maxScore { maxScore = score }
        }
        let inv = 1 / sumExp(p, t + 1, shift: maxScore)
        scaledExpInPlace(p, t + 1, shift: maxScore, scale: inv)
        let y = out + (row0 + t) * h * d + head * d
        y.update(repeating: 0, count: d)
        for j in 0...t {
            let v = qkv + (row0 + j) * ld + shape.vOffset + kvCol
            axpy(y, p[j], v, d)
        }
    }
}

/// Backward of `attentionForward`. dqkv (N, ld): the q, k and v columns are OVERWRITTEN
/// (other columns untouched). `scratch` (same size as att) receives ∂L/∂scores.
/// Pass 1 (per query row): d att = dout·vᵀ, softmax backward, dq = scale·dscore·k.
/// Pass 2 (per key row and KV head, so GQA sums need no locks): dk = scale·dscoreᵀ·q,
/// dv = attᵀ·dout.
public func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let hd = h * d
    let scale = 1 / Float(d).squareRoot()
    let items = AttentionItems(lengths: lengths, heads: h)
    parallelForInterleaved(items.count) { item in
        let (s, head, t) = items.locate(item)
        let l = lengths[s], row0 = starts[s]
        let kvCol = (head / group) * d
        let p = att + items.attStart[s] + (head * l + t) * l
        let ds = scratch + items.attStart[s] + (head * l + t) * l
        let dy = dout + (row0 + t) * hd + head * d
        var total: Float = 0
        for j in 0...t {
            let v = qkv + (row0 + j) * ld + shape.vOffset + kvCol
            let dp = dot(dy, v, d)
            ds[j] = dp
            total += dp * p[j]
        }
        let dq = dqkv + (row0 + t) * ld + shape.qOffset + head * d
        dq.update(repeating: 0, count: d)
        for j in 0...t {
            let g = p[j] * (ds[j] - total)
            ds[j] = g
            let k = qkv + (row0 + j) * ld + shape.kOffset + kvCol
            axpy(dq, g * scale, k, d)
        }
    }
    let keyItems = AttentionItems(lengths: lengths, heads: shape.kvHeads)
    parallelForInterleaved(keyItems.count) { item in
        let (s, g, j) = keyItems.locate(item)
        let l = lengths[s], row0 = starts[s]
        let dk = dqkv + (row0 + j) * ld + shape.kOffset + g * d
        let dv = dqkv + (row0 + j) * ld + shape.vOffset + g * d
        dk.update(repeating: 0, count: d)
        dv.update(repeating: 0, count: d)
        for head in (g * group)..<((g + 1) * group) {
            let block = items.attStart[s] + head * l * l
            for t in j..<l {
                let w = scale * scratch[block + t * l + j], a = att[block + t * l + j]
                let q = qkv + (row0 + t) * ld + shape.qOffset + head * d
                let dy = dout + (row0 + t) * hd + head * d
                axpy(dk, w, q, d)
                axpy(dv, a, dy, d)
            }
        }
    }
}
