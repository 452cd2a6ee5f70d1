import Foundation
import Llama
import Support
import Tensor

// Sequence log-probs of completions, the one number per sequence every preference objective
// consumes (DESIGN.md "objectives are functions of log-probs"):
//   logp(y|x) = Σ_k log p(y_k | x, y_<k)     over the completion tokens only
// and the way back: d loss / d logp(y|x) is the gradient of every completion token's log-prob.
// For the KL gate, also each completion's KL between two models, token by token over the
// vocabulary (`divergences`).
// Legend: S sequences in a batch, T tokens of one sequence.

/// A prompt followed by a completion; only the completion is scored.
public struct CompletionSequence: Sendable, Equatable {
    public var prompt: [Int32]
    public var completion: [Int32]
    public init(prompt: [Int32], completion: [Int32]) {
        self.prompt = prompt
        self.completion = completion
    }
    public var count: Int { prompt.count + completion.count }
}

public enum CompletionScoring {
    /// One packed batch of S sequences, targets on the completion tokens. Sequences with the
    /// same prompt (a pair's chosen and rejected answers) compute it once
    /// (`TokenBatch.sharingPrompts`), and the others their common system turn
    /// (`sharingCommonPrefixes`); the log-probs are the unshared batch's up to rounding.
    static func batch(_ sequences: [CompletionSequence]) throws -> TokenBatch {
        let promptLengths = sequences.map(\.prompt.count)
        return try TokenBatch(ids: sequences.map { $0.prompt + $0.completion }, promptLengths: promptLengths)
            .sharingPrompts(promptLengths).sharingCommonPrefixes()
    }

    /// Batches of at most `batchSize` sequences for a forward-only pass, sequences of one prompt
    /// in the same batch (so it computes the prompt once) and prompts of similar length together,
    /// largest batch first (`LengthBatcher.largestFirst`).
    static func promptGroupedBatches(_ sequences: [CompletionSequence], batchSize: Int) -> [[Int]] {
        var groups: [[Int]] = [], groupOf: [[Int32]: Int] = [:]
        for (i, s) in sequences.enumerated() {
            if let g = groupOf[s.prompt] {
                groups[g].append(i)
            } else {
                groupOf[s.prompt] = groups.count
                groups.append([i])
            }
        }
        // Groups larger than a batch are cut; pieces of similar length are batched together,
        // and the batches visited largest first.
        let pieces = groups.flatMap { g in stride(from: 0, to: g.count, by: batchSize).map { Array(g[$0..<min(g.count, $0 + batchSize)]) } }
        let longest = pieces.map { $0.map { sequences[$0].count }.max()! }
        let order = pieces.indices.sorted { (longest[$0], $0) < (longest[$1], $1) }
        var batches: [[Int]] = [], current: [Int] = []
        for p in order {
            if current.count + pieces[p].count > batchSize {
                batches.append(current)
                current = []
            }
            current += pieces[p]
        }
        if !current.isEmpty { batches.append(current) }
        return LengthBatcher.largestFirst(batches) { sequences[$0].count }
    }

    /// Σ of each row's selected log-probs (S), summed in Double.
    static func sums(_ result: ForwardResult) -> [Double] {
        result.logprobs.map { row in row.reduce(0.0) { $0 + Double($1) } }
    }

    /// d loss / d logprobs [S][T] from d loss / d (sequence sum) (S): the same value on every
    /// selected position of a row.
    static func dLogprobs(_ batch: TokenBatch, perSequence: [Double]) -> [[Float]] {
        zip(batch.targetMask, perSequence).map { mask, g in
            let value = Float(g)
            return mask.map { $0 ? value : 0 }
        }
    }

    /// Forward-only sequence log-probs of many sequences (no gradient, no dropout), in batches of
    /// at most `batchSize` sequences of similar length that keep each prompt's sequences
    /// together (`promptGroupedBatches`); returned in input order.
    public static func logprobs(model: LlamaModel, sequences: [CompletionSequence], batchSize: Int,
                         progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [Double] {
        guard !sequences.isEmpty else { return [] }
        var out = [Double](repeating: 0, count: sequences.count)
        var done = 0
        for indices in promptGroupedBatches(sequences, batchSize: batchSize) {
            let result = try model.forward(batch(indices.map { sequences[$0] }), training: false, forBackward: false)
            for (k, s) in sums(result).enumerated() { out[indices[k]] = s }
            done += indices.count
            progress(done, sequences.count)
        }
        return out
    }

    /// Logits `divergences` holds per model at a time: 2²³ floats (32 MB), 170 rows of SmolLM2's
    /// 49,152 entries, 55 of Qwen2.5's 151,936. The LM-head product packs the whole vocabulary
    /// matrix once per chunk, so chunks are not small.
    public static let divergenceChunkFloats = 1 << 23

    /// Per sequence: Σ over its completion tokens of KL(model(·|x, y_<k) ‖ reference(·|x, y_<k)),
    /// exact over the vocabulary (nats; Schulman 2020's "analytic KL" per token). Along a
    /// completion sampled from `model` it is an unbiased estimate of the sequence-level KL, with
    /// less variance than the log-ratio log π(y) − log π_ref(y) (k1); unlike the log-ratio it
    /// cannot come out negative when the completion was sampled at a temperature below 1 or with
    /// top-p (then it is the divergence along those completions, token by token). The two models
    /// must share a vocabulary. Batches as `logprobs`; returned in input order. `chunkRows`: rows
    /// of logits held per model at a time (default: `divergenceChunkFloats` of them).
    public static func divergences(model: LlamaModel, reference: LlamaModel, sequences: [CompletionSequence],
                                   batchSize: Int, chunkRows: Int? = nil) throws -> [Double] {
        guard !sequences.isEmpty else { return [] }
        let v = model.config.vocabularySize
        guard reference.config.vocabularySize == v else {
            throw LlamaError.badBatch(reason: "KL between models of \(v) and \(reference.config.vocabularySize) tokens: they need one vocabulary")
        }
        var out = [Double](repeating: 0, count: sequences.count)
        let chunk = max(1, chunkRows ?? divergenceChunkFloats / v)
        let p = FloatBuffer(count: chunk * v), q = FloatBuffer(count: chunk * v)
        for indices in promptGroupedBatches(sequences, batchSize: batchSize) {
            var tokens = try batch(indices.map { sequences[$0] })
            let positions = tokens.targetMask.enumerated().flatMap { b, mask in
                mask.indices.filter { mask[$0] }.map { (sequence: b, position: $0) }
            }
            guard !positions.isEmpty else { continue }
            // Only the hidden rows are kept between the two passes; logits come from them in chunks.
            tokens.targetMask = tokens.targetMask.map { [Bool](repeating: false, count: $0.count) }
            _ = try model.forward(tokens, training: false, forBackward: false)
            let mine = try model.hiddenRows(at: positions)
            _ = try reference.forward(tokens, training: false, forBackward: false)
            let theirs = try reference.hiddenRows(at: positions)
            var perRow = [Double](repeating: 0, count: positions.count)
            mine.withUnsafeBufferPointer { h in
                theirs.withUnsafeBufferPointer { g in
                    perRow.withUnsafeMutableBufferPointer { o in
                        for start in stride(from: 0, to: positions.count, by: chunk) {
                            let m = min(chunk, positions.count - start)
                            model.logits(ofHidden: h.baseAddress! + start * model.config.hiddenSize, rows: m, into: p.pointer)
                            reference.logits(ofHidden: g.baseAddress! + start * reference.config.hiddenSize, rows: m, into: q.pointer)
                            klDivergenceRows(o.baseAddress! + start, logits: p.pointer, q.pointer, m: m, v: v)
                        }
                    }
                }
            }
            for (row, position) in positions.enumerated() { out[indices[position.sequence]] += perRow[row] }
        }
        return out
    }
}

/// Reference log-probs computed once per run from the starting weights, and kept in a file
/// beside the checkpoint (`reference-logprobs.json`) so a resumed run, whose model already
/// holds trained weights, reuses them instead of recomputing from the wrong weights.
public struct ReferenceCache: Codable, Equatable, Sendable {
    public static let fileName = "reference-logprobs.json"

    /// Fingerprint of the run (data + options + starting weights); another run's cache is ignored.
    public var runKey: String
    /// One value per sequence, in the trainer's sequence order.
    public var values: [Double]

    /// The cache at `url` if it belongs to this run and has `count` values.
    public static func load(_ url: URL, runKey: String, count: Int) -> ReferenceCache? {
        guard let data = try? Data(contentsOf: url),
              let cache = try? JSONDecoder().decode(ReferenceCache.self, from: data),
              cache.runKey == runKey, cache.values.count == count
        else { return nil }
        return cache
    }

    /// Writes atomically (Double → JSON → Double round-trips exactly).
    public func save(_ url: URL) throws {
        try AtomicFile.write(JSONEncoder().encode(self), to: url)
    }

    /// Reads the cache beside `checkpoint` when resuming, else computes it with `model` as it
    /// is now (the starting weights) and saves it there.
    static func obtain(beside checkpoint: URL?, resume: Bool, runKey: String, model: LlamaModel,
                       sequences: [CompletionSequence], batchSize: Int,
                       progress: (_ done: Int, _ total: Int) -> Void) throws -> (values: [Double], seconds: Double, cached: Bool) {
        let url = checkpoint.map { $0.deletingLastPathComponent().appendingPathComponent(fileName) }
        if resume, let url, let cache = load(url, runKey: runKey, count: sequences.count) {
            return (cache.values, 0, true)
        }
        let started = Date()
        let values = try CompletionScoring.logprobs(model: model, sequences: sequences, batchSize: batchSize, progress: progress)
        if let url { try ReferenceCache(runKey: runKey, values: values).save(url) }
        return (values, Date().timeIntervalSince(started), false)
    }
}
