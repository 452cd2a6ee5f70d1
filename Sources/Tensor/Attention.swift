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
//
// Shared prefixes: a sequence may begin with the first P tokens of an EARLIER sequence of the
// batch (a preference pair's chosen and rejected answers after one prompt). Its rows then hold
// only its own tokens, at positions P ..< P + L, and its queries read the other sequence's
// rows for keys 0 ..< P (`SharedRows`): the prompt is computed once for both answers, and its
// key and value gradients receive both answers' parts. Such a sequence's block is
// (H, L, P + L): row t holds the probabilities of keys 0 ..< P + t + 1.

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

/// Keys and values a packed sequence reads before its own rows: packed rows
/// `start ..< start + count`, the first `count` tokens of an earlier sequence. Its own rows are
/// then positions `count ..< count + L`.
public struct SharedRows: Sendable, Equatable {
    public var start: Int, count: Int
    public init(start: Int, count: Int) {
        self.start = start
        self.count = count
    }
    public static let none = SharedRows(start: 0, count: 0)
}

/// Floats needed for the saved probabilities of sequences with these lengths (own rows), and
/// their shared prefixes (`prefixes[s].count` keys before sequence s's own rows; empty: none).
public func attentionSize(heads: Int, lengths: [Int], prefixes: [SharedRows] = []) -> Int {
    lengths.indices.reduce(0) { $0 + heads * lengths[$1] * (lengths[$1] + (prefixes.isEmpty ? 0 : prefixes[$1].count)) }
}

/// Maps a flat work index to (sequence, head, row) over all sequences; items are ordered
/// sequence-major so `parallelForInterleaved` balances the triangular cost.
@usableFromInline
struct AttentionItems {
    let lengths: [Int], heads: Int
    /// Keys before each sequence's own rows (its shared prefix; 0 without one).
    let prefix: [Int]
    let itemStart: [Int]  // first item of each sequence
    let attStart: [Int]  // first float of each sequence's (H, L, P + L) block

    init(lengths: [Int], prefixes: [SharedRows], heads: Int) {
        precondition(prefixes.isEmpty || prefixes.count == lengths.count, "one SharedRows per sequence")
        self.lengths = lengths
        self.heads = heads
        prefix = prefixes.isEmpty ? [Int](repeating: 0, count: lengths.count) : prefixes.map(\.count)
        var items: [Int] = [], att: [Int] = []
        var i = 0, a = 0
        for (s, l) in lengths.enumerated() {
            items.append(i)
            att.append(a)
            i += heads * l
            a += heads * l * (prefix[s] + l)
        }
        itemStart = items + [i]
        attStart = att
    }

    var count: Int { itemStart.last! }

    /// Keys of one row of sequence s's block: its prefix and its own rows.
    func width(_ s: Int) -> Int { prefix[s] + lengths[s] }

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

/// out (N, H·D) and att (Σ H·L·(P + L)) ← fused qkv (N, ld). Per (sequence, head) the scores
/// S = scale·Q·Kᵀ and the output Y = P·V are sgemms over the whole block (the causal
/// upper triangle costs as much again in multiply-adds, but sgemm runs them several times
/// faster than row-by-row dot products); the softmax rows run in parallel and leave the
/// masked entries j > t at exactly 0, so P·V sums the allowed keys only. A sequence with a
/// shared prefix reads its first P keys and values from the prefix's rows (one more sgemm each).
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], prefixes: [SharedRows] = [], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let scale = shape.scale
    let items = AttentionItems(lengths: lengths, prefixes: prefixes, heads: h)
    for (s, l) in lengths.enumerated() where l > 0 {
        let rows = qkv + starts[s] * ld, pl = items.prefix[s], w = items.width(s)
        precondition(pl == 0 || prefixes[s].start + pl <= starts[s], "a shared prefix must be rows of an earlier sequence")
        for head in 0..<h {
            let kvCol = (head / group) * d, block = att + items.attStart[s] + head * l * w
            if pl > 0 {
                gemm(transA: false, transB: true, m: l, n: pl, k: d, alpha: scale,
                     a: rows + shape.qOffset + head * d, lda: ld, b: qkv + prefixes[s].start * ld + shape.kOffset + kvCol, ldb: ld,
                     beta: 0, c: block, ldc: w)
            }
            gemm(transA: false, transB: true, m: l, n: l, k: d, alpha: scale,
                 a: rows + shape.qOffset + head * d, lda: ld, b: rows + shape.kOffset + kvCol, ldb: ld,
                 beta: 0, c: block + pl, ldc: w)
        }
    }
    parallelForInterleaved(items.count) { item in
        let (s, head, t) = items.locate(item)
        let l = lengths[s], w = items.width(s), position = items.prefix[s] + t
        let p = att + items.attStart[s] + (head * l + t) * w
        let lo = shape.firstKey(position)
        softmaxInPlace(p + lo, position + 1 - lo)
        if lo > 0 { p.update(repeating: 0, count: lo) }
        if position + 1 < w { (p + position + 1).update(repeating: 0, count: w - position - 1) }
    }
    for (s, l) in lengths.enumerated() where l > 0 {
        let rows = qkv + starts[s] * ld, pl = items.prefix[s], w = items.width(s)
        for head in 0..<h {
            let vCol = shape.vOffset + (head / group) * d, block = att + items.attStart[s] + head * l * w
            let y = out + starts[s] * h * d + head * d
            gemm(transA: false, transB: false, m: l, n: d, k: l,
                 a: block + pl, lda: w, b: rows + vCol, ldb: ld, beta: 0, c: y, ldc: h * d)
            if pl > 0 {
                gemm(transA: false, transB: false, m: l, n: d, k: pl,
                     a: block, lda: w, b: qkv + prefixes[s].start * ld + vCol, ldb: ld, beta: 1, c: y, ldc: h * d)
            }
        }
    }
}

/// Backward of `attentionForward`. dqkv (N, ld): the q, k and v columns are OVERWRITTEN
/// (other columns untouched). `scratch` (same size as att) receives ∂L/∂scores.
/// Per (sequence, head), as sgemms over the block: dP = dY·Vᵀ; the softmax backward
/// dS = P ⊙ (dP − rowsum(dP ⊙ P)) row by row in parallel (0 where P is masked to 0);
/// dQ = scale·dS·K; dK = scale·dSᵀ·Q and dV = Pᵀ·dY, summed over the query heads that
/// share the KV head (the first head of a group writes, the others add). A shared prefix's
/// rows belong to an earlier sequence, which writes them first; later sequences ADD their
/// parts of the prefix's key and value gradients.
public func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], prefixes: [SharedRows] = [], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let hd = h * d
    let scale = shape.scale
    let items = AttentionItems(lengths: lengths, prefixes: prefixes, heads: h)
    for (s, l) in lengths.enumerated() where l > 0 {
        let pl = items.prefix[s], w = items.width(s)
        for head in 0..<h {
            let vCol = shape.vOffset + (head / group) * d, block = scratch + items.attStart[s] + head * l * w
            let dy = dout + starts[s] * hd + head * d
            if pl > 0 {
                gemm(transA: false, transB: true, m: l, n: pl, k: d,
                     a: dy, lda: hd, b: qkv + prefixes[s].start * ld + vCol, ldb: ld, beta: 0, c: block, ldc: w)
            }
            gemm(transA: false, transB: true, m: l, n: l, k: d,
                 a: dy, lda: hd, b: qkv + starts[s] * ld + vCol, ldb: ld, beta: 0, c: block + pl, ldc: w)
        }
    }
    parallelForInterleaved(items.count) { item in
        let (s, head, t) = items.locate(item)
        let l = lengths[s], w = items.width(s), position = items.prefix[s] + t
        let offset = items.attStart[s] + (head * l + t) * w
        let p = att + offset, ds = scratch + offset
        var total: Float = 0
        for j in 0...position { total += ds[j] * p[j] }
        for j in 0...position { ds[j] = p[j] * (ds[j] - total) }
        if position + 1 < w { (ds + position + 1).update(repeating: 0, count: w - position - 1) }
    }
    for (s, l) in lengths.enumerated() where l > 0 {
        let rows = qkv + starts[s] * ld, drows = dqkv + starts[s] * ld, pl = items.prefix[s], w = items.width(s)
        for head in 0..<h {
            let kvCol = (head / group) * d, first = head % group == 0
            let p = att + items.attStart[s] + head * l * w, ds = scratch + items.attStart[s] + head * l * w
            let dy = dout + starts[s] * hd + head * d
            gemm(transA: false, transB: false, m: l, n: d, k: l, alpha: scale, a: ds + pl, lda: w,
                 b: rows + shape.kOffset + kvCol, ldb: ld, beta: 0, c: drows + shape.qOffset + head * d, ldc: ld)
            gemm(transA: true, transB: false, m: l, n: d, k: l, alpha: scale, a: ds + pl, lda: w,
                 b: rows + shape.qOffset + head * d, ldb: ld, beta: first ? 0 : 1, c: drows + shape.kOffset + kvCol, ldc: ld)
            gemm(transA: true, transB: false, m: l, n: d, k: l, a: p + pl, lda: w,
                 b: dy, ldb: hd, beta: first ? 0 : 1, c: drows + shape.vOffset + kvCol, ldc: ld)
            guard pl > 0 else { continue }
            let prefixRows = qkv + prefixes[s].start * ld, dprefix = dqkv + prefixes[s].start * ld
            gemm(transA: false, transB: false, m: l, n: d, k: pl, alpha: scale, a: ds, lda: w,
                 b: prefixRows + shape.kOffset + kvCol, ldb: ld, beta: 1, c: drows + shape.qOffset + head * d, ldc: ld)
            gemm(transA: true, transB: false, m: pl, n: d, k: l, alpha: scale, a: ds, lda: w,
                 b: rows + shape.qOffset + head * d, ldb: ld, beta: 1, c: dprefix + shape.kOffset + kvCol, ldc: ld)
            gemm(transA: true, transB: false, m: pl, n: d, k: l, a: p, lda: w,
                 b: dy, ldb: hd, beta: 1, c: dprefix + shape.vOffset + kvCol, ldc: ld)
        }
    }
}
