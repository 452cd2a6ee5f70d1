import Tensor

/// A batch of token sequences to score. Sequences keep their own lengths (no padding is
/// stored: the model packs them). `targetMask[b][t]` selects log p(ids[b][t+1] | ids[b][0...t]),
/// i.e. position t predicts the next token; the last position of a sequence has no target.
///
/// A sequence may share its first tokens with an earlier one (`prefixes`, made by
/// `sharingPrompts` and `sharingCommonPrefixes`): the model then computes those tokens once,
/// and everything it returns is what the unshared batch gives, up to float rounding.
public struct TokenBatch: Sendable, Equatable {
    public var ids: [[Int32]]
    public var targetMask: [[Bool]]
    /// Per sequence: the earlier sequence whose first tokens it begins with, or nil.
    public private(set) var prefixes: [SharedPrefix?]

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
        prefixes = [SharedPrefix?](repeating: nil, count: ids.count)
    }

    /// The same batch with each sequence's first `promptLengths[b]` tokens computed once for all
    /// the sequences that begin with them: a preference pair's two answers, several answers or
    /// judgments of one prompt. Sequence b shares the prompt of the first earlier sequence that
    /// begins with the same `promptLengths[b]` tokens and shares no prefix itself, when b has
    /// tokens after its prompt.
    public func sharingPrompts(_ promptLengths: [Int]) throws -> TokenBatch {
        guard promptLengths.count == ids.count else {
            throw LlamaError.badBatch(reason: "\(ids.count) sequences but \(promptLengths.count) prompt lengths")
        }
        var out = self
        var owners: [ArraySlice<Int32>: Int] = [:]
        for (b, seq) in ids.enumerated() {
            let k = promptLengths[b]
            guard k > 0, k <= seq.count else { continue }
            let prompt = seq[0..<k]
            if k < seq.count, let owner = owners[prompt] {
                out.prefixes[b] = SharedPrefix(sequence: owner, length: k)
            } else if owners[prompt] == nil {
                owners[prompt] = b
            }
        }
        return out  // valid by construction; `forward` checks again, as `ids` may change
    }

    /// Fewest tokens `sharingCommonPrefixes` shares. A chat template's system turn is about
    /// twenty tokens; shorter common beginnings (a turn's few header tokens) save next to nothing.
    public static let minimumCommonPrefix = 8

    /// The same batch with each sequence that shares nothing yet, and that no other sequence
    /// shares from, computing its first tokens once with the earlier such sequence it has the
    /// longest common beginning with (at least `minimum` tokens, leaving at least one of its
    /// own). Different prompts under one chat template begin with the same system turn: SFT
    /// examples, judgments of different prompts. Apply after `sharingPrompts`, which it leaves
    /// as they are (a prompt shared by several answers is worth more than its system turn).
    public func sharingCommonPrefixes(minimum: Int = TokenBatch.minimumCommonPrefix) -> TokenBatch {
        var out = self
        var sharedFrom = Set(prefixes.compactMap { $0?.sequence })
        for b in ids.indices where out.prefixes[b] == nil && !sharedFrom.contains(b) {
            let seq = ids[b]
            var best: SharedPrefix?
            for a in 0..<b where out.prefixes[a] == nil {
                let other = ids[a], limit = min(other.count, seq.count - 1)
                var k = 0
                while k < limit, other[k] == seq[k] { k += 1 }
                if k >= max(1, minimum), k > (best?.length ?? 0) { best = SharedPrefix(sequence: a, length: k) }
            }
            if let best {
                out.prefixes[b] = best
                sharedFrom.insert(best.sequence)
            }
        }
        return out
    }

    /// A shared prefix names an earlier sequence that shares none itself, covers at least one
    /// token, leaves at least one of its own, and is that sequence's first tokens.
    func validatePrefixes() throws {
        for (b, prefix) in prefixes.enumerated() {
            guard let prefix else { continue }
            let a = prefix.sequence, k = prefix.length
            guard a >= 0, a < b, prefixes[a] == nil else {
                throw LlamaError.badBatch(reason: "sequence \(b) shares the prefix of sequence \(a), which is not an earlier sequence without a shared prefix of its own")
            }
            guard k >= 1, k < ids[b].count, k <= ids[a].count, ids[a][0..<k] == ids[b][0..<k] else {
                throw LlamaError.badBatch(reason: "sequence \(b): its first \(k) tokens are not sequence \(a)'s first tokens followed by tokens of its own")
            }
        }
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

/// Sequence `sequence`'s first `length` tokens, which another sequence of the batch begins with.
public struct SharedPrefix: Sendable, Equatable {
    public var sequence: Int
    public var length: Int
    public init(sequence: Int, length: Int) {
        self.sequence = sequence
        self.length = length
    }
}

/// Where a batch's tokens are in the model's packed rows: each sequence's own tokens one
/// after another (those after its shared prefix, if it has one); a shared prefix's tokens are
/// the rows of the sequence it shares them with.
public struct PackedRows: Sendable {
    /// Tokens of each sequence, shared prefix included.
    public let lengths: [Int]
    /// First packed row of each sequence's own tokens.
    public let starts: [Int]
    public let prefixes: [SharedPrefix?]
    /// Packed rows in all.
    public let count: Int

    init(_ batch: TokenBatch) {
        lengths = batch.lengths
        prefixes = batch.prefixes
        var starts: [Int] = [], n = 0
        for (l, prefix) in zip(lengths, prefixes) {
            starts.append(n)
            n += l - (prefix?.length ?? 0)
        }
        self.starts = starts
        count = n
    }

    /// The packed row of sequence `b`'s token at position `t`.
    public func row(_ b: Int, _ t: Int) -> Int {
        if let p = prefixes[b] {
            return t < p.length ? starts[p.sequence] + t : starts[b] + t - p.length
        }
        return starts[b] + t
    }

    /// Rows of each sequence's own tokens.
    var ownLengths: [Int] { zip(lengths, prefixes).map { $0 - ($1?.length ?? 0) } }

    /// Keys each sequence reads before its own rows (the attention kernels' form).
    var sharedRows: [SharedRows] {
        prefixes.map { $0.map { SharedRows(start: starts[$0.sequence], count: $0.length) } ?? .none }
    }
}

/// What `LlamaModel.forward` returns.
public struct ForwardResult: Sendable {
    /// [B][T]: logprobs[b][t] = log p(ids[b][t+1] | ids[b][0...t]) where the mask is set, else 0.
    public var logprobs: [[Float]]
    /// Final hidden states after the final RMSNorm, packed (N, C): row `rows.row(b, t)` is
    /// sequence b at position t. Present when requested.
    public var hidden: [Float]?
    /// Where each sequence's tokens are in `hidden` (and in a `dHidden` for the backward).
    public var rows: PackedRows

    /// Σ of the selected log-probs of each sequence.
    public var sequenceLogprobs: [Float] { logprobs.map { $0.reduce(0, +) } }
}
