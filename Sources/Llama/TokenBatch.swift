/// A batch of token sequences to score. Sequences keep their own lengths (no padding is
/// stored: the model packs them). `targetMask[b][t]` selects log p(ids[b][t+1] | ids[b][0...t]),
/// i.e. position t predicts the next token; the last position of a sequence has no target.
public struct TokenBatch: Sendable, Equatable {
    public var ids: [[Int32]]
    public var targetMask: [[Bool]]

    public var lengths: [Int] { ids.map(\.count) }
    public var count: Int { ids.count }

    /// Every mask row must have its sequence's length and be false at the last position.
    public init(ids: [[Int32]], targetMask: [[Bool]]) throws {
        guard !ids.isEmpty else { throw LlamaError.badBatch(reason: "no sequences") }
        guard ids.count == targetMask.count else {
            throw LlamaError.badBatch(reason: "\(ids.count) sequences but \(targetMask.count) mask rows")
        }
        for (b, (seq, mask)) in zip(ids, targetMask).enumerated() {
            guard !seq.isEmpty else { throw LlamaError.badBatch(reason: "sequence \(b) is empty") }
            guard seq.count == mask.count else {
                throw LlamaError.badBatch(reason: "sequence \(b) has \(seq.count) tokens but \(mask.count) mask entries")
            }
            guard mask.last == false else {
                throw LlamaError.badBatch(reason: "sequence \(b): the last position has no next token to score")
            }
        }
        self.ids = ids
        self.targetMask = targetMask
    }

    /// Scores every token after the first `promptLengths[b]` tokens (a prompt/response pair:
    /// response token k is predicted at position promptLength − 1 + k).
    public init(ids: [[Int32]], promptLengths: [Int]) throws {
        guard ids.count == promptLengths.count else {
            throw LlamaError.badBatch(reason: "\(ids.count) sequences but \(promptLengths.count) prompt lengths")
        }
        let masks = zip(ids, promptLengths).map { seq, p in
            (0..<seq.count).map { t in t + 1 >= max(p, 1) && t + 1 < seq.count }
        }
        try self.init(ids: ids, targetMask: masks)
    }

    /// From right-padded rows, true lengths and a mask on TARGET tokens (HF `labels != -100`
    /// style: `tokenMask[b][t]` = token t is scored, predicted at position t − 1).
    public init(padded: [[Int32]], lengths: [Int], tokenMask: [[Bool]]) throws {
        guard padded.count == lengths.count, padded.count == tokenMask.count else {
            throw LlamaError.badBatch(reason: "ids, lengths and mask disagree on the batch size")
        }
        var ids: [[Int32]] = [], masks: [[Bool]] = []
        for b in 0..<padded.count {
            let l = lengths[b]
            guard l > 0, l <= padded[b].count, l <= tokenMask[b].count else {
                throw LlamaError.badBatch(reason: "sequence \(b) length \(l) does not fit its row")
            }
            ids.append(Array(padded[b][0..<l]))
            masks.append((0..<l).map { t in t + 1 < l && tokenMask[b][t + 1] })
        }
        try self.init(ids: ids, targetMask: masks)
    }
}

/// What `LlamaModel.forward` returns.
public struct ForwardResult: Sendable {
    /// [B][T]: logprobs[b][t] = log p(ids[b][t+1] | ids[b][0...t]) where the mask is set, else 0.
    public var logprobs: [[Float]]
    /// Final hidden states after the final RMSNorm, packed (N, C): row `rowStarts[b] + t` is
    /// sequence b at position t. Present when requested.
    public var hidden: [Float]?
    /// First packed row of each sequence.
    public var rowStarts: [Int]

    /// Σ of the selected log-probs of each sequence.
    public var sequenceLogprobs: [Float] { logprobs.map { $0.reduce(0, +) } }
}
