import Foundation
import Llama
import Tensor

/// One finished sample.
public struct GeneratedSample: Codable, Equatable, Sendable {
    public var promptIndex: Int
    public var sampleIndex: Int
    /// Decoded text of `tokenIDs` without the final stop token (empty if no tokenizer).
    public var text: String
    /// Every sampled token, including the stop token that ended the sample.
    public var tokenIDs: [Int32]
    /// Σ log p(token) under the model (log-softmax of raw logits, no temperature/filter).
    public var logProb: Double
    public var finishReason: FinishReason

    public var tokenCount: Int { tokenIDs.count }
}

/// Samples N continuations of each prompt on a KV-cached decoder: each prompt is prefilled
/// once and its cache copied to its N samples, then all live samples decode as one batch.
/// Sample i of prompt p draws from `SeededRandom(seed:, stream: s_p·N + i)` where s_p is the
/// prompt's stream (its index, or the caller's `streams[p]`, e.g. a database id), so a
/// sample's tokens do not depend on how prompts are batched (up to float rounding in the GEMMs).
public final class Generator {
    public let weights: DecoderWeights
    public let geometry: DecoderGeometry
    /// Most sequences decoded together; more prompts run in successive batches.
    public let maxBatch: Int

    /// Decode steps on int8-quantized activations where the CPU has the integer kernels
    /// (`IncrementalDecoder.integerProducts`).
    public let integerProducts: Bool

    /// `compact`: decode from lossless compact encodings of the weights where they exist
    /// (`DecoderWeights.compacted`; same numbers, fewer bytes per step). The encodings are
    /// taken now: the weights must not change while this generator is in use.
    /// `integerProducts: false` keeps decode steps in fp32 (what the parity tests compare).
    public init(weights: DecoderWeights, geometry: DecoderGeometry, maxBatch: Int = 16, compact: Bool = true,
                integerProducts: Bool = integerDecodeKernels) {
        self.weights = compact ? weights.compacted(geometry: geometry) : weights
        self.integerProducts = integerProducts
        self.geometry = geometry
        self.maxBatch = max(1, maxBatch)
    }

    /// Called after each sampled token: (prompt index, sample index, token id).
    public typealias TokenHandler = (Int, Int, Int32) -> Void

    /// N samples per prompt, in order (prompt 0 sample 0, prompt 0 sample 1, …).
    /// `endTokens` end a sample with `.eos` when `parameters.stopAtEndOfTurn`;
    /// `parameters.stopTokenIDs` end it with `.stop`. `decode` turns ids into text.
    /// `streams`: one random stream number per prompt (default: the prompt's index).
    public func generate(
        prompts: [[Int32]], samplesPerPrompt n: Int, parameters: SamplingParameters,
        endTokens: Set<Int32>, streams: [UInt64]? = nil, decode: (([Int32]) -> String)? = nil, onToken: TokenHandler? = nil
    ) throws -> [GeneratedSample] {
        try parameters.validate()
        precondition(n >= 1, "at least one sample per prompt")
        precondition(streams == nil || streams!.count == prompts.count, "one stream per prompt")
        for (i, prompt) in prompts.enumerated() where prompt.isEmpty { throw InferenceError.emptyPrompt(index: i) }
        let promptsPerBatch = max(1, maxBatch / n)
        let longest = prompts.map(\.count).max() ?? 0
        let capacity = min(longest + parameters.maxNewTokens, geometry.maxPositions)
        if longest >= capacity { throw InferenceError.contextFull(slot: 0, capacity: capacity) }
        let decoder = IncrementalDecoder(
            weights: weights, geometry: geometry, slots: min(prompts.count, promptsPerBatch) * n,
            capacity: capacity, maxRows: 256, integerProducts: integerProducts)
        var results: [GeneratedSample] = []
        results.reserveCapacity(prompts.count * n)
        var first = 0
        while first < prompts.count {
            let range = first..<min(first + promptsPerBatch, prompts.count)
            results += try generateBatch(
                decoder: decoder, prompts: range.map { (index: $0, ids: prompts[$0], stream: streams?[$0] ?? UInt64($0)) }, n: n,
                parameters: parameters, endTokens: endTokens, decode: decode, onToken: onToken)
            first = range.upperBound
        }
        return results
    }

    /// Per-sample decoding state.
    private struct Live {
        var prompt: Int, sample: Int, slot: Int
        var random: SeededRandom
        var tokens: [Int32] = []
        var logProb: Double = 0
        var finish: FinishReason?
    }

    private func generateBatch(
        decoder: IncrementalDecoder, prompts: [(index: Int, ids: [Int32], stream: UInt64)], n: Int,
        parameters p: SamplingParameters, endTokens: Set<Int32>,
        decode: (([Int32]) -> String)?, onToken: TokenHandler?
    ) throws -> [GeneratedSample] {
        let V = geometry.vocabulary
        decoder.cache.resetAll()
        let prefillSlots = prompts.indices.map { $0 * n }
        let promptLogits = try decoder.prefill(prompts: prompts.map(\.ids), slots: prefillSlots)
        for (j, _) in prompts.enumerated() {
            for i in 1..<n { decoder.cache.copy(slot: j * n, to: j * n + i) }
        }
        var live: [Live] = []
        for (j, prompt) in prompts.enumerated() {
            for i in 0..<n {
                live.append(Live(prompt: prompt.index, sample: i, slot: j * n + i,
                                 random: SeededRandom(seed: p.seed, stream: prompt.stream &* UInt64(n) &+ UInt64(i))))
            }
        }
        let samplers = live.map { _ in TokenSampler(vocabularySize: V, parameters: p) }
        let stops = Set(p.stopTokenIDs)

        // Row r of `logits` belongs to live[rowOwner[r]].
        var rowOwner = live.indices.map { $0 }
        var logits = UnsafePointer(promptLogits)
        var prefillRow = live.map { $0.slot / n }  // first token: each prompt's prefill row
        var tokens: [Int32] = [], slots: [Int] = []
        while true {
            // Sample one token for every live row (rows are independent: parallel).
            live.withUnsafeMutableBufferPointer { states in
                let base = logits
                let rows = rowOwner, firstRows = prefillRow
                parallelFor(rows.count) { r in
                    let s = rows[r]
                    let row = firstRows.isEmpty ? r : firstRows[s]
                    let t = samplers[s].sample(base + row * V, random: &states[s].random)
                    states[s].tokens.append(t.id)
                    states[s].logProb += Double(t.logProb)
                }
            }
            prefillRow = []
            tokens.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            var next: [Int] = []
            for s in rowOwner {
                let t = live[s].tokens.last!
                onToken?(live[s].prompt, live[s].sample, t)
                if p.stopAtEndOfTurn, endTokens.contains(t) {
                    live[s].finish = .eos
                } else if stops.contains(t) {
                    live[s].finish = .stop
                } else if live[s].tokens.count >= p.maxNewTokens || decoder.cache.lengths[live[s].slot] >= decoder.cache.capacity {
                    live[s].finish = .length
                } else {
                    next.append(s)
                    tokens.append(t)
                    slots.append(live[s].slot)
                }
            }
            rowOwner = next
            if rowOwner.isEmpty { break }
            logits = UnsafePointer(try decoder.step(tokens: tokens, slots: slots))
        }
        return live.map { state in
            var textIDs = state.tokens
            if state.finish != .length, !textIDs.isEmpty { textIDs.removeLast() }
            return GeneratedSample(
                promptIndex: state.prompt, sampleIndex: state.sample, text: decode?(textIDs) ?? "",
                tokenIDs: state.tokens, logProb: state.logProb, finishReason: state.finish ?? .length)
        }
    }
}
