// Forward pass with a KV cache: prompts are prefilled once, then every live sequence
// advances one token per step, all of them through each weight matrix as ONE matmul
// (B rows through the small-M kernel, from compact weights when the model has them; sgemm
// for long prefills). Activations live in buffers sized at creation — a step allocates nothing.
//
// Rows are packed: a forward takes any list of (slot, token) rows, each at its slot's next
// position. A prefill of several prompts of different lengths is just more rows; attention
// keeps slots apart (see CacheAttention.swift), so nothing is padded.
//
// Legend: N rows in one forward, C width, F ffn width, H/KVH heads, D head dim, V vocab,
// S slots, P positions per slot.
import Foundation
import Tensor

public enum InferenceError: LocalizedError, Equatable {
    case contextFull(slot: Int, capacity: Int)
    case badSlot(Int, slots: Int)
    case badToken(Int32, vocabulary: Int)
    case emptyPrompt(index: Int)

    public var errorDescription: String? {
        switch self {
        case let .contextFull(slot, capacity):
            return "sequence \(slot) reached the context capacity of \(capacity) positions; ask for fewer new tokens or a shorter prompt"
        case let .badSlot(slot, slots):
            return "sequence slot \(slot) does not exist (the cache has \(slots) slots)"
        case let .badToken(id, vocabulary):
            return "token id \(id) is outside the vocabulary (0..<\(vocabulary)); the tokenizer does not match the model"
        case let .emptyPrompt(index):
            return "prompt \(index) has no tokens; a prompt needs at least one token"
        }
    }
}

public final class IncrementalDecoder {
    public let geometry: DecoderGeometry
    public let weights: DecoderWeights
    public let cache: KVCache
    /// Rows per forward chunk (longer prefills run in chunks of this many rows).
    public let maxRows: Int
    private let rope: RoPETable
    /// Sliding-window layers' RoPE table, when they have their own base.
    private let localRope: RoPETable?

    // Activations (maxRows rows each).
    private let x, xn, rstd, qkv, attention, gateUp, hidden, scores: FloatBuffer
    /// Sandwich norms: an attention or MLP output before its post-norm; q/k norm: the
    /// projections before the norm.
    private let projected: FloatBuffer
    /// q/k norm: per-head rstd scratch.
    private let headRstd: FloatBuffer
    // Per-row bookkeeping.
    private let rowTokens, rowSlots, rowPositions: UnsafeMutablePointer<Int32>
    /// Which logits row each forward row fills (-1: none).
    private let rowOutputs: UnsafeMutablePointer<Int>
    // Final hidden states and logits of up to S rows (one per slot per call).
    private let finalHidden, finalNormed, finalRstd, logitsBuffer: FloatBuffer
    /// A · x of a LoRA term (N × rank), for decode steps of a merged policy.
    private let lowRankScratch = FloatBuffer(count: 0)

    /// Decode steps multiply compact Q4_1/Q8_0 weights by int8-quantized activations
    /// (IntegerMatmul.swift); false keeps fp32 activations, which reproduce sgemm on the
    /// decoded weights.
    public let integerProducts: Bool

    /// `slots` sequences of up to `capacity` positions each; `integerProducts` defaults to
    /// whether this CPU has the integer kernels.
    public init(weights: DecoderWeights, geometry: DecoderGeometry, slots: Int, capacity: Int, maxRows: Int = 256,
                integerProducts: Bool = integerDecodeKernels) {
        let g = geometry
        self.geometry = g
        self.integerProducts = integerProducts && integerDecodeKernels
        self.weights = weights
        let capacity = min(capacity, g.maxPositions)
        cache = KVCache(geometry: g, slots: slots, capacity: capacity)
        self.maxRows = max(maxRows, slots)
        let n = self.maxRows
        let tables = g.architecture.ropeTables(headDim: g.headDim, theta: g.ropeTheta, positions: capacity)
        rope = tables.global
        localRope = tables.local
        x = FloatBuffer(count: n * g.width)
        headRstd = FloatBuffer(count: g.architecture.qkNorm ? n * g.heads : 0)
        projected = FloatBuffer(count: g.architecture.sandwichNorms || g.architecture.qkNorm ? n * max(g.width, g.qkvWidth) : 0)
        xn = FloatBuffer(count: n * g.width)
        rstd = FloatBuffer(count: n)
        qkv = FloatBuffer(count: n * g.qkvWidth)
        attention = FloatBuffer(count: n * g.heads * g.headDim)
        gateUp = FloatBuffer(count: n * 2 * g.ffnWidth)
        hidden = FloatBuffer(count: n * g.ffnWidth)
        scores = FloatBuffer(count: n * g.heads * capacity)
        rowTokens = .allocate(capacity: n)
        rowSlots = .allocate(capacity: n)
        rowPositions = .allocate(capacity: n)
        rowOutputs = .allocate(capacity: n)
        finalHidden = FloatBuffer(count: slots * g.width)
        finalNormed = FloatBuffer(count: slots * g.width)
        finalRstd = FloatBuffer(count: slots)
        logitsBuffer = FloatBuffer(count: slots * g.vocabulary)
    }

    deinit {
        rowTokens.deallocate()
        rowSlots.deallocate()
        rowPositions.deallocate()
        rowOutputs.deallocate()
    }

    /// Appends each prompt to its slot (after whatever the slot holds) and returns the
    /// logits (prompts.count, V) of each prompt's last token, valid until the next call.
    public func prefill(prompts: [[Int32]], slots: [Int]) throws -> UnsafeMutablePointer<Float> {
        precondition(prompts.count == slots.count, "one slot per prompt")
        for (i, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else { throw InferenceError.emptyPrompt(index: i) }
            try check(slot: slots[i], adding: prompt.count, tokens: prompt)
        }
        var filled = 0
        for (i, prompt) in prompts.enumerated() {
            let slot = slots[i]
            for (t, token) in prompt.enumerated() {
                if filled == maxRows {
                    runRows(filled)
                    filled = 0
                }
                rowTokens[filled] = token
                rowSlots[filled] = Int32(slot)
                rowPositions[filled] = Int32(cache.lengths[slot])
                rowOutputs[filled] = t == prompt.count - 1 ? i : -1
                cache.advance(slot: slot, by: 1)
                filled += 1
            }
        }
        runRows(filled)
        computeLogits(count: prompts.count)
        return logitsBuffer.pointer
    }

    /// One new token for each listed slot; returns logits (B, V), row b for `slots[b]`,
    /// valid until the next call.
    public func step(tokens: [Int32], slots: [Int]) throws -> UnsafeMutablePointer<Float> {
        precondition(tokens.count == slots.count, "one slot per token")
        precondition(tokens.count <= cache.slots, "more rows than slots")
        for (b, slot) in slots.enumerated() {
            try check(slot: slot, adding: 1, tokens: [tokens[b]])
            rowTokens[b] = tokens[b]
            rowSlots[b] = Int32(slot)
            rowPositions[b] = Int32(cache.lengths[slot])
            rowOutputs[b] = b
            cache.advance(slot: slot, by: 1)
        }
        runRows(tokens.count)
        computeLogits(count: tokens.count)
        return logitsBuffer.pointer
    }

    private func check(slot: Int, adding count: Int, tokens: [Int32]) throws {
        guard slot >= 0, slot < cache.slots else { throw InferenceError.badSlot(slot, slots: cache.slots) }
        guard cache.lengths[slot] + count <= cache.capacity else {
            throw InferenceError.contextFull(slot: slot, capacity: cache.capacity)
        }
        for t in tokens where t < 0 || Int(t) >= geometry.vocabulary {
            throw InferenceError.badToken(t, vocabulary: geometry.vocabulary)
        }
    }

    // MARK: - The forward

    /// Runs rows 0..<n (tokens, slots, positions already set) through every layer, leaving
    /// the last hidden state of rows with an output index in `finalHidden`.
    private func runRows(_ n: Int) {
        guard n > 0 else { return }
        let g = geometry, c = g.width, f = g.ffnWidth, hd = g.heads * g.headDim, kvd = g.kvHeads * g.headDim
        let qkvW = g.qkvWidth
        let arch = g.architecture
        embeddingForward(x.pointer, ids: rowTokens, table: weights.embedding, n: n, c: c)
        if let scale = arch.embeddingScale { scaleInPlace(x.pointer, count: n * c, by: scale) }
        for (l, w) in weights.layers.enumerated() {
            let table = arch.isSliding(l) ? localRope ?? rope : rope
            // Attention block: x += Wo · attention(rope(Wqkv · rmsnorm(x)))
            rmsnormForward(xn.pointer, rstd.pointer, x.pointer, w.attentionNorm, n: n, c: c, eps: g.normEps)
            if w.wk == w.wq + hd * c, w.wv == w.wk + kvd * c, w.compact?.q == nil || n > smallMatmulMaxRows {
                linear(qkv.pointer, xn.pointer, w.wq, w.compact?.qkv, n: n, c: c, oc: qkvW,
                       adapter: w.compact?.terms([(.q, 0, hd), (.k, hd, kvd), (.v, hd + kvd, kvd)]))
            } else {
                linear(qkv.pointer, xn.pointer, w.wq, w.compact?.q, n: n, c: c, oc: hd, ldOut: qkvW,
                       adapter: w.compact?.terms([(.q, 0, hd)]))
                linear(qkv.pointer + hd, xn.pointer, w.wk, w.compact?.k, n: n, c: c, oc: kvd, ldOut: qkvW,
                       adapter: w.compact?.terms([(.k, 0, kvd)]))
                linear(qkv.pointer + hd + kvd, xn.pointer, w.wv, w.compact?.v, n: n, c: c, oc: kvd, ldOut: qkvW,
                       adapter: w.compact?.terms([(.v, 0, kvd)]))
            }
            if let bias = w.qkvBias { addBias(qkv.pointer, ld: qkvW, n: n, bias: bias, width: qkvW) }
            if let qNorm = w.qNorm, let kNorm = w.kNorm {
                let raw = projected.pointer
                raw.update(from: qkv.pointer, count: n * qkvW)
                headNormForward(qkv.pointer, rstd: headRstd.pointer, raw, ld: qkvW, n: n, heads: g.heads, d: g.headDim,
                                weight: qNorm, eps: g.normEps)
                headNormForward(qkv.pointer + hd, rstd: headRstd.pointer, raw + hd, ld: qkvW, n: n, heads: g.kvHeads,
                                d: g.headDim, weight: kNorm, eps: g.normEps)
            }
            ropeForward(qkv.pointer, ld: qkvW, n: n, heads: g.heads, positions: rowPositions, table: table)
            ropeForward(qkv.pointer + hd, ld: qkvW, n: n, heads: g.kvHeads, positions: rowPositions, table: table)
            storeKeysAndValues(layer: l, n: n)
            cacheAttentionForward(attention.pointer, qkv: qkv.pointer, ld: qkvW, slots: rowSlots,
                                  positions: rowPositions, n: n, cache: cache, layer: l, scores: scores.pointer)
            if let postNorm = w.postAttentionNorm {
                linear(projected.pointer, attention.pointer, w.wo, w.compact?.wo, n: n, c: hd, oc: c,
                       adapter: w.compact?.terms([(.o, 0, c)]))
                addNormed(projected.pointer, norm: postNorm, n: n)
            } else {
                linear(x.pointer, attention.pointer, w.wo, w.compact?.wo, n: n, c: hd, oc: c, accumulate: true,
                       adapter: w.compact?.terms([(.o, 0, c)]))
            }

            // Feed-forward block: x += Wdown · swiglu(Wgate·n, Wup·n), n = rmsnorm(x)
            rmsnormForward(xn.pointer, rstd.pointer, x.pointer, w.ffnNorm, n: n, c: c, eps: g.normEps)
            if w.wUp == w.wGate + f * c, w.compact?.gate == nil || n > smallMatmulMaxRows {
                linear(gateUp.pointer, xn.pointer, w.wGate, w.compact?.gateUp, n: n, c: c, oc: 2 * f,
                       adapter: w.compact?.terms([(.gate, 0, f), (.up, f, f)]))
            } else {
                linear(gateUp.pointer, xn.pointer, w.wGate, w.compact?.gate, n: n, c: c, oc: f, ldOut: 2 * f,
                       adapter: w.compact?.terms([(.gate, 0, f)]))
                linear(gateUp.pointer + f, xn.pointer, w.wUp, w.compact?.up, n: n, c: c, oc: f, ldOut: 2 * f,
                       adapter: w.compact?.terms([(.up, 0, f)]))
            }
            switch arch.activation {
            case .silu: swigluForward(hidden.pointer, gateUp.pointer, n: n, f: f)
            case .geluTanh: gegluForward(hidden.pointer, gateUp.pointer, n: n, f: f)
            }
            if let postNorm = w.postFFNNorm {
                linear(projected.pointer, hidden.pointer, w.wDown, w.compact?.down, n: n, c: f, oc: c,
                       adapter: w.compact?.terms([(.down, 0, c)]))
                addNormed(projected.pointer, norm: postNorm, n: n)
            } else {
                linear(x.pointer, hidden.pointer, w.wDown, w.compact?.down, n: n, c: f, oc: c, accumulate: true,
                       adapter: w.compact?.terms([(.down, 0, c)]))
            }
        }
        for r in 0..<n where rowOutputs[r] >= 0 {
            (finalHidden.pointer + rowOutputs[r] * c).update(from: x.pointer + r * c, count: c)
        }
    }

    /// x += rmsnorm(y) · norm for rows 0..<n (Gemma's post-norms; y is overwritten).
    private func addNormed(_ y: UnsafeMutablePointer<Float>, norm: UnsafePointer<Float>, n: Int) {
        let c = geometry.width
        rmsnormForward(xn.pointer, rstd.pointer, y, norm, n: n, c: c, eps: geometry.normEps)
        let xp = x.pointer, np = xn.pointer
        for i in 0..<(n * c) { xp[i] += np[i] }
    }

    /// Copies each row's rotated key and value into its slot's cache block.
    private func storeKeysAndValues(layer: Int, n: Int) {
        let g = geometry, d = g.headDim, hd = g.heads * d, kvd = g.kvHeads * d
        for r in 0..<n {
            let slot = Int(rowSlots[r]), position = Int(rowPositions[r])
            let row = qkv.pointer + r * g.qkvWidth
            for head in 0..<g.kvHeads {
                (cache.keyBlock(layer: layer, slot: slot, kvHead: head) + position * d)
                    .update(from: row + hd + head * d, count: d)
                (cache.valueBlock(layer: layer, slot: slot, kvHead: head) + position * d)
                    .update(from: row + hd + kvd + head * d, count: d)
            }
        }
    }

    /// logits (m, V) = lmHead · rmsnorm(finalHidden[0..<m]).
    private func computeLogits(count m: Int) {
        let g = geometry
        rmsnormForward(finalNormed.pointer, finalRstd.pointer, finalHidden.pointer, weights.finalNorm,
                       n: m, c: g.width, eps: g.normEps)
        linear(logitsBuffer.pointer, finalNormed.pointer, weights.lmHead, weights.compactLMHead, n: m, c: g.width, oc: g.vocabulary)
    }

    /// out (N, OC) (=|+=) inp (N, C) · weight (OC, C)ᵀ. Decode steps (N ≤ 16 rows) use the
    /// small-M kernel, which streams each weight once; sgemm would first pack the whole
    /// weight matrix for a few rows' worth of work (see SmallMatmul.swift). With a compact
    /// encoding of the same weights (`DecoderWeights.compacted`) they read that instead, on
    /// int8-quantized activations where the CPU has the integer kernels (AVX-512 VNNI or AVX2;
    /// IntegerMatmul.swift).
    /// `adapter`: the LoRA terms of a compact encoding that is the base's while `weight` is the
    /// merged matrix (`LlamaModel.mergeAdapterForSampling`), each with the first output column
    /// and the number of columns it adds to; added only where the compact encoding was read.
    private func linear(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                        _ compact: CompactMatrix? = nil,
                        n: Int, c: Int, oc: Int, accumulate: Bool = false, ldOut: Int? = nil,
                        adapter: [(term: LowRankTerm, column: Int, columns: Int)]? = nil) {
        if n <= smallMatmulMaxRows, let compact {
            if integerProducts, compact.format.hasIntegerProducts {
                integerMatmulForward(out, inp, compact, m: n, accumulate: accumulate, ldOut: ldOut)
            } else {
                compactMatmulForward(out, inp, compact, m: n, accumulate: accumulate, ldOut: ldOut)
            }
            for (term, column, columns) in adapter ?? [] {
                addLowRank(out + column, inp, term, n: n, c: c, oc: columns, ldOut: ldOut ?? oc)
            }
        } else if n <= smallMatmulMaxRows {
            smallMatmulForward(out, inp, weight, m: n, c: c, oc: oc, accumulate: accumulate, ldOut: ldOut)
        } else {
            matmulForward(out, inp, weight, n: n, c: c, oc: oc, accumulate: accumulate, ldOut: ldOut)
        }
    }

    /// out (N, OC; ldOut apart) += s · (inp (N, C) · Aᵀ) · Bᵀ, through the small-M kernel.
    private func addLowRank(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ term: LowRankTerm,
                            n: Int, c: Int, oc: Int, ldOut: Int) {
        lowRankScratch.reserve(n * term.rank)
        let u = lowRankScratch.pointer
        smallMatmulForward(u, inp, term.a, m: n, c: c, oc: term.rank)
        scaleInPlace(u, count: n * term.rank, by: term.scaling)
        smallMatmulForward(out, u, term.b, m: n, c: term.rank, oc: oc, accumulate: true, ldOut: ldOut)
    }
}
