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
/// once and its cache copied to its N samples, then all live samples decode as one batch,
/// and a prompt waiting for slots enters the batch as soon as N samples have ended. Leading
/// tokens all prompts share (a chat template's system turn) are prefilled once for all.
/// Sample i of prompt p draws from `SeededRandom(seed:, stream: s_p·N + i)` where s_p is the
/// prompt's stream (its index, or the caller's `streams[p]`, e.g. a database id), so a
/// sample's tokens do not depend on how prompts are batched (up to float rounding in the GEMMs).
public final class Generator {
    public let weights: DecoderWeights
    public let geometry: DecoderGeometry
    /// Most sequences decoded together; further prompts enter as earlier samples end.
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

    /// Called once per prompt when its last sample has finished: (prompt index, its N samples
    /// in sample order). Prompts finish in any order; a thrown error stops the generation.
    public typealias PromptHandler = (Int, [GeneratedSample]) throws -> Void

    /// N samples per prompt, in order (prompt 0 sample 0, prompt 0 sample 1, …).
    /// `endTokens` end a sample with `.eos` when `parameters.stopAtEndOfTurn`;
    /// `parameters.stopTokenIDs` end it with `.stop`. `decode` turns ids into text.
    /// `streams`: one random stream number per prompt (default: the prompt's index).
    ///
    /// Up to `maxBatch` sequences decode together, and a finished sequence's slot is not left
    /// empty: as soon as N slots are free the next prompt is prefilled into them (continuous
    /// batching), so a batch does not wait for its longest answer.
    public func generate(
        prompts: [[Int32]], samplesPerPrompt n: Int, parameters: SamplingParameters,
        endTokens: Set<Int32>, streams: [UInt64]? = nil, decode: (([Int32]) -> String)? = nil, onToken: TokenHandler? = nil,
        onPrompt: PromptHandler? = nil
    ) throws -> [GeneratedSample] {
        try parameters.validate()
        precondition(n >= 1, "at least one sample per prompt")
        precondition(streams == nil || streams!.count == prompts.count, "one stream per prompt")
        for (i, prompt) in prompts.enumerated() where prompt.isEmpty { throw InferenceError.emptyPrompt(index: i) }
        guard !prompts.isEmpty else { return [] }
        let promptsPerBatch = max(1, maxBatch / n)
        let longest = prompts.map(\.count).max() ?? 0
        let capacity = min(longest + parameters.maxNewTokens, geometry.maxPositions)
        if longest >= capacity { throw InferenceError.contextFull(slot: 0, capacity: capacity) }
        let prefix = Self.sharedPrefix(prompts)
        let slots = min(prompts.count, promptsPerBatch) * n
        let decoder = IncrementalDecoder(
            weights: weights, geometry: geometry, slots: slots + (prefix > 0 ? 1 : 0),
            capacity: capacity, maxRows: 256, integerProducts: integerProducts)
        var run = Run(decoder: decoder, sampleSlots: slots, prefix: prefix, prompts: prompts, n: n, parameters: parameters,
                      endTokens: endTokens, streams: streams, decode: decode, onToken: onToken, onPrompt: onPrompt)
        try run.complete()
        return run.results.flatMap { $0 }
    }

    /// Fewest leading tokens all prompts share for them to be prefilled once (a chat template's
    /// system turn is about twenty): fewer would save less than the extra pass costs.
    public static let minimumSharedPrefix = 8

    /// The leading tokens every prompt shares (each keeps at least one token of its own), or 0
    /// when fewer than two prompts share at least `minimumSharedPrefix`.
    public static func sharedPrefix(_ prompts: [[Int32]]) -> Int {
        guard prompts.count > 1, var length = prompts.map({ $0.count - 1 }).min() else { return 0 }
        let first = prompts[0]
        for prompt in prompts.dropFirst() {
            var i = 0
            while i < length, prompt[i] == first[i] { i += 1 }
            length = i
        }
        return length >= minimumSharedPrefix ? length : 0
    }

    /// Per-sample decoding state.
    private struct Live {
        var prompt: Int, sample: Int, slot: Int
        var random: SeededRandom
        var tokens: [Int32] = []
        var logProb: Double = 0
        var finish: FinishReason?
    }

    /// One `generate` call: the prompts not yet started, the samples decoding and the free
    /// cache slots.
    private struct Run {
        let decoder: IncrementalDecoder
        let prompts: [[Int32]]
        let n: Int
        let p: SamplingParameters
        let endTokens: Set<Int32>, stops: Set<Int32>
        let streams: [UInt64]?
        let decode: (([Int32]) -> String)?
        let onToken: TokenHandler?, onPrompt: PromptHandler?
        /// One sampler per sample slot (each owns vocabulary-sized scratch).
        let samplers: [TokenSampler]
        /// Every sample started so far.
        var states: [Live] = []
        /// Samples still decoding (indices into `states`), in the order of the next step's rows.
        var active: [Int] = []
        var free: [Int]
        var nextPrompt = 0
        /// Each prompt's samples still decoding, and the index in `states` of its first.
        var unfinished: [Int], firstState: [Int]
        /// Each prompt's samples, filled when its last sample finishes.
        var results: [[GeneratedSample]]

        /// Leading tokens every prompt shares, held in the cache slot after the samples' slots
        /// (0: none; each prompt is prefilled whole).
        let prefix: Int

        /// `sampleSlots` of the decoder's cache slots hold samples; the one after them, when
        /// `prefix` > 0, the prompts' first `prefix` tokens.
        init(decoder: IncrementalDecoder, sampleSlots slots: Int, prefix: Int, prompts: [[Int32]], n: Int,
             parameters: SamplingParameters, endTokens: Set<Int32>, streams: [UInt64]?, decode: (([Int32]) -> String)?,
             onToken: TokenHandler?, onPrompt: PromptHandler?) {
            self.decoder = decoder
            self.prefix = prefix
            self.prompts = prompts
            self.n = n
            p = parameters
            self.endTokens = endTokens
            stops = Set(parameters.stopTokenIDs)
            self.streams = streams
            self.decode = decode
            self.onToken = onToken
            self.onPrompt = onPrompt
            samplers = (0..<slots).map { _ in TokenSampler(vocabularySize: decoder.geometry.vocabulary, parameters: parameters) }
            free = Array((0..<slots).reversed())  // popped from the end: lowest slot first
            unfinished = Array(repeating: n, count: prompts.count)
            firstState = Array(repeating: 0, count: prompts.count)
            results = Array(repeating: [], count: prompts.count)
            decoder.cache.resetAll()
        }

        /// Decodes every prompt, prefilling their first `prefix` tokens once (copied to each
        /// prompt's first slot before its own tokens are prefilled after them).
        mutating func complete() throws {
            if prefix > 0 { _ = try decoder.prefill(prompts: [Array(prompts[0][..<prefix])], slots: [prefixSlot]) }
            while true {
                try admit()
                // admit() leaves fewer than N free slots or no prompt waiting; with nothing
                // decoding every slot is free, so nothing waits either.
                if active.isEmpty { return }
                let logits = try decoder.step(tokens: active.map { states[$0].tokens.last! },
                                              slots: active.map { states[$0].slot })
                sample(active, rows: Array(active.indices), of: logits)
                active = try settle(active)
            }
        }

        /// Prefills the next prompts into free slots (each prompt once, its cache copied to
        /// its other N − 1 slots) and samples their first tokens; repeats while samples that
        /// end at once free enough slots.
        private mutating func admit() throws {
            while nextPrompt < prompts.count, free.count >= n {
                let count = min(prompts.count - nextPrompt, free.count / n)
                let entering = nextPrompt..<(nextPrompt + count)
                nextPrompt += count
                var firstSlots: [Int] = [], started: [Int] = [], rows: [Int] = []
                for (j, index) in entering.enumerated() {
                    let stream = streams?[index] ?? UInt64(index)
                    firstState[index] = states.count
                    for i in 0..<n {
                        let slot = free.removeLast()
                        decoder.cache.reset(slot: slot)
                        if i == 0 { firstSlots.append(slot) }
                        started.append(states.count)
                        rows.append(j)
                        states.append(Live(prompt: index, sample: i, slot: slot,
                                           random: SeededRandom(seed: p.seed, stream: stream &* UInt64(n) &+ UInt64(i))))
                    }
                }
                if prefix > 0 {
                    for slot in firstSlots { decoder.cache.copy(slot: prefixSlot, to: slot) }
                }
                let logits = try decoder.prefill(prompts: entering.map { Array(prompts[$0][prefix...]) }, slots: firstSlots)
                for (s, row) in zip(started, rows) where states[s].sample > 0 {
                    decoder.cache.copy(slot: firstSlots[row], to: states[s].slot)
                }
                sample(started, rows: rows, of: logits)
                active += try settle(started)
            }
        }

        /// Samples one token for each listed sample from its row of `logits` (rows are
        /// independent: in parallel).
        private mutating func sample(_ samples: [Int], rows: [Int], of logits: UnsafeMutablePointer<Float>) {
            let V = decoder.geometry.vocabulary, samplers = self.samplers
            let base = UnsafePointer(logits)
            states.withUnsafeMutableBufferPointer { states in
                parallelFor(samples.count) { r in
                    let s = samples[r]
                    let t = samplers[states[s].slot].sample(base + rows[r] * V, random: &states[s].random)
                    states[s].tokens.append(t.id)
                    states[s].logProb += Double(t.logProb)
                }
            }
        }

        /// Reports each listed sample's new token and ends those that are done (freeing their
        /// slots, and handing over a prompt whose samples have all ended); returns the rest.
        private mutating func settle(_ samples: [Int]) throws -> [Int] {
            var next: [Int] = []
            for s in samples {
                let t = states[s].tokens.last!
                onToken?(states[s].prompt, states[s].sample, t)
                if p.stopAtEndOfTurn, endTokens.contains(t) {
                    states[s].finish = .eos
                } else if stops.contains(t) {
                    states[s].finish = .stop
                } else if states[s].tokens.count >= p.maxNewTokens
                    || decoder.cache.lengths[states[s].slot] >= decoder.cache.capacity {
                    states[s].finish = .length
                } else {
                    next.append(s)
                    continue
                }
                free.append(states[s].slot)
                let prompt = states[s].prompt
                unfinished[prompt] -= 1
                if unfinished[prompt] == 0 {
                    let first = firstState[prompt]
                    results[prompt] = states[first..<(first + n)].map(finished)
                    try onPrompt?(prompt, results[prompt])
                }
            }
            free.sort(by: >)
            return next
        }

        /// The slot after the samples' slots.
        private var prefixSlot: Int { samplers.count }

        private func finished(_ state: Live) -> GeneratedSample {
            var textIDs = state.tokens
            if state.finish != .length, !textIDs.isEmpty { textIDs.removeLast() }
            return GeneratedSample(
                promptIndex: state.prompt, sampleIndex: state.sample, text: decode?(textIDs) ?? "",
                tokenIDs: state.tokens, logProb: state.logProb, finishReason: state.finish ?? .length)
        }
    }
}
