// Causal grouped-query self-attention (GQA, Ainslie et al. 2023, arXiv 2305.13245) over
// PACKED sequences: the batch's real tokens are concatenated into N rows, sequence s
// occupying rows starts[s] ..< starts[s] + lengths[s]. Packing replaces the key-padding
// mask (a right-padded row never sees padding because padding is never stored) and saves
// the padded rows' work. Query head h reads KV head h / (H / KVH). Scores q·k/√D,
// softmax in fp32 (llm.c `attention_forward`, HF `eager_attention_forward`).
//
// q, k and v live in one fused row (N, ld): q at column qOffset (H·D wide), k at kOffset,
// v at vOffset (KVH·D wide each). The saved probabilities `att` hold, for each sequence
// in order, an (H, L, L) block (row t holds the probabilities of keys j ≤ t and 0 beyond):
// size Σ H·L², see `attentionSize`.

import Foundation

/// Geometry shared by the forward and backward kernels.
public struct AttentionShape: Sendable {
    public var heads: Int, kvHeads: Int, headDim: Int
    /// Row stride of the fused qkv buffer and the column offsets of q, k, v inside it.
    public var ld: Int, qOffset: Int, kOffset: Int, vOffset: Int
    /// Multiplies q·k: 1/√D unless the model says otherwise (Gemma: query_pre_attn_scalar^−½).
    public var scale: Float
    /// Sliding-window attention: a query at t sees keys j with t − j < window (nil: all j ≤ t).
    public var window: Int?

    public init(heads: Int, kvHeads: Int, headDim: Int, ld: Int, qOffset: Int, kOffset: Int, vOffset: Int,
                scale: Float? = nil, window: Int? = nil) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ld = ld
        self.qOffset = qOffset
        self.kOffset = kOffset
        self.vOffset = vOffset
        self.scale = scale ?? 1 / Float(headDim).squareRoot()
        self.window = window
    }

    /// First key position a query at `t` attends to.
    @inline(__always)
    public func firstKey(_ t: Int) -> Int { window.map { max(0, t - $0 + 1) } ?? 0 }
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

/// out (N, H·D) and att (Σ H·L²) ← fused qkv (N, ld). Per (sequence, head) the scores
/// S = scale·Q·Kᵀ and the output Y = P·V are sgemms over the whole L×L block (the causal
/// upper triangle costs as much again in multiply-adds, but sgemm runs them several times
/// faster than row-by-row dot products); the softmax rows run in parallel and leave the
/// masked entries j > t at exactly 0, so P·V sums the allowed keys only.
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let scale = shape.scale
    let items = AttentionItems(lengths: lengths, heads: h)
    for (s, l) in lengths.enumerated() where l > 0 {
        let rows = qkv + starts[s] * ld
        for head in 0..<h {
            let kvCol = (head / group) * d
            gemm(transA: false, transB: true, m: l, n: l, k: d, alpha: scale,
                 a: rows + shape.qOffset + head * d, lda: ld, b: rows + shape.kOffset + kvCol, ldb: ld,
                 beta: 0, c: att + items.attStart[s] + head * l * l, ldc: l)
        }
    }
    parallelForInterleaved(items.count) { item in
        let (s, head, t) = items.locate(item)
        let l = lengths[s]
        let p = att + items.attStart[s] + (head * l + t) * l
        let lo = shape.firstKey(t)
        softmaxInPlace(p + lo, t + 1 - lo)
        if lo > 0 { p.update(repeating: 0, count: lo) }
        if t + 1 < l { (p + t + 1).update(repeating: 0, count: l - t - 1) }
    }
    for (s, l) in lengths.enumerated() where l > 0 {
        let rows = qkv + starts[s] * ld
        for head in 0..<h {
            gemm(transA: false, transB: false, m: l, n: d, k: l,
                 a: att + items.attStart[s] + head * l * l, lda: l, b: rows + shape.vOffset + (head / group) * d, ldb: ld,
                 beta: 0, c: out + starts[s] * h * d + head * d, ldc: h * d)
        }
    }
}

/// Backward of `attentionForward`. dqkv (N, ld): the q, k and v columns are OVERWRITTEN
/// (other columns untouched). `scratch` (same size as att) receives ∂L/∂scores.
/// Per (sequence, head), as sgemms over the L×L block: dP = dY·Vᵀ; the softmax backward
/// dS = P ⊙ (dP − rowsum(dP ⊙ P)) row by row in parallel (0 where P is masked to 0);
/// dQ = scale·dS·K; dK = scale·dSᵀ·Q and dV = Pᵀ·dY, summed over the query heads that
/// share the KV head (the first head of a group writes, the others add).
public func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let hd = h * d
    let scale = shape.scale
    let items = AttentionItems(lengths: lengths, heads: h)
    for (s, l) in lengths.enumerated() where l > 0 {
        for head in 0..<h {
            gemm(transA: false, transB: true, m: l, n: l, k: d,
                 a: dout + starts[s] * hd + head * d, lda: hd, b: qkv + starts[s] * ld + shape.vOffset + (head / group) * d, ldb: ld,
                 beta: 0, c: scratch + items.attStart[s] + head * l * l, ldc: l)
        }
    }
    parallelForInterleaved(items.count) { item in
        let (s, head, t) = items.locate(item)
        let l = lengths[s]
        let offset = items.attStart[s] + (head * l + t) * l
        let p = att + offset, ds = scratch + offset
        var total: Float = 0
        for j in 0...t { total += ds[j] * p[j] }
        for j in 0...t { ds[j] = p[j] * (ds[j] - total) }
        if t + 1 < l { (ds + t + 1).update(repeating: 0, count: l - t - 1) }
    }
    for (s, l) in lengths.enumerated() where l > 0 {
        let rows = qkv + starts[s] * ld, drows = dqkv + starts[s] * ld
        for head in 0..<h {
            let kvCol = (head / group) * d, first = head % group == 0
            let p = att + items.attStart[s] + head * l * l, ds = scratch + items.attStart[s] + head * l * l
            let dy = dout + starts[s] * hd + head * d
            gemm(transA: false, transB: false, m: l, n: d, k: l, alpha: scale, a: ds, lda: l,
                 b: rows + shape.kOffset + kvCol, ldb: ld, beta: 0, c: drows + shape.qOffset + head * d, ldc: ld)
            gemm(transA: true, transB: false, m: l, n: d, k: l, alpha: scale, a: ds, lda: l,
                 b: rows + shape.qOffset + head * d, ldb: ld, beta: first ? 0 : 1, c: drows + shape.kOffset + kvCol, ldc: ld)
            gemm(transA: true, transB: false, m: l, n: d, k: l, a: p, lda: l,
                 b: dy, ldb: hd, beta: first ? 0 : 1, c: drows + shape.vOffset + kvCol, ldc: ld)
        }
    }
}
