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

/// Query rows per block of the causal products: a block of queries is multiplied by the keys
/// up to its own last row only, so the masked upper triangle is mostly not computed (for
/// 256 tokens, 62.5% of the full square's multiply-adds).
let causalBlock = 64

/// Where each sequence's probabilities are in `att`, and how many keys its rows have.
@usableFromInline
struct AttentionBlocks {
    let lengths: [Int]
    /// Keys before each sequence's own rows (its shared prefix; 0 without one).
    let prefix: [Int]
    let attStart: [Int]  // first float of each sequence's (H, L, P + L) block

    init(lengths: [Int], prefixes: [SharedRows], heads: Int) {
        precondition(prefixes.isEmpty || prefixes.count == lengths.count, "one SharedRows per sequence")
        self.lengths = lengths
        prefix = prefixes.isEmpty ? [Int](repeating: 0, count: lengths.count) : prefixes.map(\.count)
        var att: [Int] = [], a = 0
        for (s, l) in lengths.enumerated() {
            att.append(a)
            a += heads * l * (prefix[s] + l)
        }
        attStart = att
    }

    /// Keys of one row of sequence s's block: its prefix and its own rows.
    func width(_ s: Int) -> Int { prefix[s] + lengths[s] }
}

/// out (N, H·D) and att (Σ H·L·(P + L)) ← fused qkv (N, ld). The (sequence, head) pairs run in
/// parallel; each takes its queries in blocks of `causalBlock` rows: scores S = scale·Q·Kᵀ
/// against the keys up to the block's last row (sgemm), the softmax of each row (which leaves
/// every masked entry at exactly 0), and Y = P·V over the same keys. A sequence with a shared
/// prefix reads its first P keys and values from the prefix's rows (one more sgemm each).
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], prefixes: [SharedRows] = [], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let hd = h * d, scale = shape.scale
    let blocks = AttentionBlocks(lengths: lengths, prefixes: prefixes, heads: h)
    for (s, pl) in blocks.prefix.enumerated() where pl > 0 {
        precondition(prefixes[s].start + pl <= starts[s], "a shared prefix must be rows of an earlier sequence")
    }
    parallelForInterleaved(lengths.count * h) { item in
        let s = item / h, head = item % h
        let l = lengths[s], pl = blocks.prefix[s], w = blocks.width(s)
        guard l > 0 else { return }
        let rows = qkv + starts[s] * ld, kvCol = (head / group) * d
        let q = rows + shape.qOffset + head * d, k = rows + shape.kOffset + kvCol, v = rows + shape.vOffset + kvCol
        let prefixRows = pl > 0 ? qkv + prefixes[s].start * ld : nil
        let block = att + blocks.attStart[s] + head * l * w, y = out + starts[s] * hd + head * d
        for r0 in stride(from: 0, to: l, by: causalBlock) {
            let r1 = min(l, r0 + causalBlock), m = r1 - r0, p = block + r0 * w
            if let prefixRows {
                serialGemm(transA: false, transB: true, m: m, n: pl, k: d, alpha: scale, a: q + r0 * ld, lda: ld,
                           b: prefixRows + shape.kOffset + kvCol, ldb: ld, beta: 0, c: p, ldc: w)
            }
            serialGemm(transA: false, transB: true, m: m, n: r1, k: d, alpha: scale, a: q + r0 * ld, lda: ld,
                       b: k, ldb: ld, beta: 0, c: p + pl, ldc: w)
            for t in r0..<r1 {
                let row = block + t * w, position = pl + t, lo = shape.firstKey(position)
                softmaxInPlace(row + lo, position + 1 - lo)
                if lo > 0 { row.update(repeating: 0, count: lo) }
                if position + 1 < w { (row + position + 1).update(repeating: 0, count: w - position - 1) }
            }
            serialGemm(transA: false, transB: false, m: m, n: d, k: r1, a: p + pl, lda: w, b: v, ldb: ld,
                       beta: 0, c: y + r0 * hd, ldc: hd)
            if let prefixRows {
                serialGemm(transA: false, transB: false, m: m, n: d, k: pl, a: p, lda: w,
                           b: prefixRows + shape.vOffset + kvCol, ldb: ld, beta: 1, c: y + r0 * hd, ldc: hd)
            }
        }
    }
}

/// Backward of `attentionForward`. dqkv (N, ld): the q, k and v columns are OVERWRITTEN
/// (other columns untouched). `scratch` (same size as att) receives ∂L/∂scores.
/// First the (sequence, head) pairs in parallel, in the forward's blocks of query rows:
/// dP = dY·Vᵀ; the softmax backward dS = P ⊙ (dP − rowsum(dP ⊙ P)) (0 where P is masked to 0);
/// dQ = scale·dS·K. Then the (sequence, KV head, block of keys) triples in parallel, over the
/// query rows that see the block: dK = scale·dSᵀ·Q and dV = Pᵀ·dY, summed over the query heads
/// that share the KV head (the first head of a group writes, the others add). A shared prefix's rows belong to an earlier
/// sequence, which writes them first; afterwards the later sequences ADD their parts of the
/// prefix's key and value gradients (in parallel over prefixes and KV heads).
public func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
    starts: [Int], lengths: [Int], prefixes: [SharedRows] = [], shape: AttentionShape
) {
    let h = shape.heads, d = shape.headDim, ld = shape.ld, group = shape.heads / shape.kvHeads
    let hd = h * d, scale = shape.scale
    let blocks = AttentionBlocks(lengths: lengths, prefixes: prefixes, heads: h)
    // Query side, per (sequence, head): dP, the softmax backward into dS, dQ.
    parallelForInterleaved(lengths.count * h) { item in
        let s = item / h, head = item % h
        let l = lengths[s], pl = blocks.prefix[s], w = blocks.width(s)
        guard l > 0 else { return }
        let rows = qkv + starts[s] * ld, kvCol = (head / group) * d
        let k = rows + shape.kOffset + kvCol, v = rows + shape.vOffset + kvCol
        let prefixRows = pl > 0 ? qkv + prefixes[s].start * ld : nil
        let p = att + blocks.attStart[s] + head * l * w, ds = scratch + blocks.attStart[s] + head * l * w
        let dy = dout + starts[s] * hd + head * d, dq = dqkv + starts[s] * ld + shape.qOffset + head * d
        for r0 in stride(from: 0, to: l, by: causalBlock) {
            let r1 = min(l, r0 + causalBlock), m = r1 - r0
            if let prefixRows {
                serialGemm(transA: false, transB: true, m: m, n: pl, k: d, a: dy + r0 * hd, lda: hd,
                           b: prefixRows + shape.vOffset + kvCol, ldb: ld, beta: 0, c: ds + r0 * w, ldc: w)
            }
            serialGemm(transA: false, transB: true, m: m, n: r1, k: d, a: dy + r0 * hd, lda: hd, b: v, ldb: ld,
                       beta: 0, c: ds + r0 * w + pl, ldc: w)
            for t in r0..<r1 {
                let pr = p + t * w, dr = ds + t * w, position = pl + t
                var total: Float = 0
                for j in 0...position { total += dr[j] * pr[j] }
                for j in 0...position { dr[j] = pr[j] * (dr[j] - total) }
                if position + 1 < w { (dr + position + 1).update(repeating: 0, count: w - position - 1) }
            }
            serialGemm(transA: false, transB: false, m: m, n: d, k: r1, alpha: scale, a: ds + r0 * w + pl, lda: w,
                       b: k, ldb: ld, beta: 0, c: dq + r0 * ld, ldc: ld)
            if let prefixRows {
                serialGemm(transA: false, transB: false, m: m, n: d, k: pl, alpha: scale, a: ds + r0 * w, lda: w,
                           b: prefixRows + shape.kOffset + kvCol, ldb: ld, beta: 1, c: dq + r0 * ld, ldc: ld)
            }
        }
    }
    // Key side, per (sequence, KV head, block of keys): keys c0 ..< c1 are seen by the query
    // rows c0 ..< L only; the group's first head writes, the others add.
    var keyBlocks: [(s: Int, g: Int, c0: Int)] = []
    for (s, l) in lengths.enumerated() {
        for g in 0..<shape.kvHeads { for c0 in stride(from: 0, to: l, by: causalBlock) { keyBlocks.append((s, g, c0)) } }
    }
    parallelForInterleaved(keyBlocks.count) { item in
        let (s, g, c0) = keyBlocks[item]
        let l = lengths[s], pl = blocks.prefix[s], w = blocks.width(s), c1 = min(l, c0 + causalBlock)
        let kvCol = g * d, drows = dqkv + starts[s] * ld
        for head in (g * group)..<((g + 1) * group) {
            let first = head == g * group, offset = blocks.attStart[s] + head * l * w + c0 * w + pl + c0
            let q = qkv + starts[s] * ld + shape.qOffset + head * d, dy = dout + starts[s] * hd + head * d
            serialGemm(transA: true, transB: false, m: c1 - c0, n: d, k: l - c0, alpha: scale, a: scratch + offset, lda: w,
                       b: q + c0 * ld, ldb: ld, beta: first ? 0 : 1, c: drows + shape.kOffset + kvCol + c0 * ld, ldc: ld)
            serialGemm(transA: true, transB: false, m: c1 - c0, n: d, k: l - c0, a: att + offset, lda: w,
                       b: dy + c0 * hd, ldb: hd, beta: first ? 0 : 1, c: drows + shape.vOffset + kvCol + c0 * ld, ldc: ld)
        }
    }
    // The shared prefixes' key and value gradients: every query row of every sequence that
    // shares one sees all of it. One item per (prefix, KV head), its sequences in order.
    var sharers: [Int: [Int]] = [:]
    for (s, pl) in blocks.prefix.enumerated() where pl > 0 && lengths[s] > 0 { sharers[prefixes[s].start, default: []].append(s) }
    let prefixStarts = sharers.keys.sorted()
    parallelForInterleaved(prefixStarts.count * shape.kvHeads) { item in
        let start = prefixStarts[item / shape.kvHeads], g = item % shape.kvHeads
        let dprefix = dqkv + start * ld, kvCol = g * d
        for s in sharers[start]! {
            let l = lengths[s], pl = blocks.prefix[s], w = blocks.width(s)
            for head in (g * group)..<((g + 1) * group) {
                let p = att + blocks.attStart[s] + head * l * w, ds = scratch + blocks.attStart[s] + head * l * w
                let dy = dout + starts[s] * hd + head * d, q = qkv + starts[s] * ld + shape.qOffset + head * d
                serialGemm(transA: true, transB: false, m: pl, n: d, k: l, alpha: scale, a: ds, lda: w,
                           b: q, ldb: ld, beta: 1, c: dprefix + shape.kOffset + kvCol, ldc: ld)
                serialGemm(transA: true, transB: false, m: pl, n: d, k: l, a: p, lda: w,
                           b: dy, ldb: hd, beta: 1, c: dprefix + shape.vOffset + kvCol, ldc: ld)
            }
        }
    }
}
