import Foundation
import Testing
import Llama
import Tensor
@testable import Generation

/// The KV-cached decoder against the full-sequence forward and the PyTorch fixture, on
/// the tiny 2-layer model (three sequences of different lengths).
@Suite(.serialized) struct KVCacheTests {
    let model: LlamaModel
    let batch: TinyBatch
    let expected: TinyExpected

    init() throws {
        model = try LlamaModel.load(from: TestSupport.tinyModelURL)
        batch = try TestSupport.fixture("tiny-llama/batch.json", as: TinyBatch.self)
        expected = try TestSupport.fixture("tiny-llama/expected.json", as: TinyExpected.self)
    }

    /// Sequences of the batch at their true lengths.
    var sequences: [[Int32]] { zip(batch.input_ids, batch.lengths).map { Array($0[..<$1]) } }

    /// Logits of every position of every sequence, decoded incrementally: all sequences'
    /// first `prefill` tokens in ONE packed prefill, then one token per step for every
    /// sequence still running (teacher forcing), batched.
    func incrementalLogits(prefill: Int) throws -> [[[Float]]] {
        let seqs = sequences, V = model.config.vocabularySize
        let decoder = IncrementalDecoder(weights: model.decoderWeights, geometry: model.decoderGeometry,
                                         slots: seqs.count, capacity: batch.lengths.max()!)
        var out = seqs.map { _ in [[Float]]() }
        let prompts = seqs.map { Array($0.prefix(prefill)) }
        // Prefill returns only the last prompt position; earlier ones come from prefixes.
        for p in 1..<prefill {
            let d = IncrementalDecoder(weights: model.decoderWeights, geometry: model.decoderGeometry,
                                       slots: seqs.count, capacity: prefill)
            let logits = try d.prefill(prompts: seqs.map { Array($0.prefix(p)) }, slots: Array(seqs.indices))
            for b in seqs.indices { out[b].append(Array(UnsafeBufferPointer(start: logits + b * V, count: V))) }
        }
        var logits = try decoder.prefill(prompts: prompts, slots: Array(seqs.indices))
        var rows = Array(seqs.indices)
        for (r, b) in rows.enumerated() { out[b].append(Array(UnsafeBufferPointer(start: logits + r * V, count: V))) }
        var t = prefill
        while true {
            rows = rows.filter { t < seqs[$0].count }
            if rows.isEmpty { break }
            logits = try decoder.step(tokens: rows.map { seqs[$0][t] }, slots: rows)
            for (r, b) in rows.enumerated() { out[b].append(Array(UnsafeBufferPointer(start: logits + r * V, count: V))) }
            t += 1
        }
        return out
    }

    @Test(arguments: [1, 5])
    func cachedLogitsEqualFullSequenceForward(prefill: Int) throws {
        let seqs = sequences
        let cached = try incrementalLogits(prefill: prefill)
        _ = try model.forward(try TokenBatch(ids: seqs, targetMask: seqs.map { s in s.indices.map { _ in false } }))
        var worst: Float = 0
        for (b, s) in seqs.enumerated() {
            #expect(cached[b].count == s.count)
            let full = try model.logits(at: s.indices.map { (sequence: b, position: $0) })
            for t in s.indices {
                for (x, y) in zip(cached[b][t], full[t]) { worst = max(worst, abs(x - y)) }
            }
        }
        #expect(worst < 1e-4, "largest |cached − full| logit difference \(worst)")
    }

    @Test func cachedLogitsMatchPyTorch() throws {
        let cached = try incrementalLogits(prefill: batch.prompt_len)
        for (name, reference) in expected.logits {
            let row = cached[reference.batch][reference.position]
            for (i, value) in reference.first16.enumerated() {
                #expect(abs(row[i] - value) < 1e-4, "\(name) logit \(i): \(row[i]) vs \(value)")
            }
            if let argmax = reference.argmax {
                #expect(row.indices.max { row[$0] < row[$1] } == argmax, "\(name) argmax")
            }
            if let lse = reference.logsumexp {
                let m = row.max()!
                let mine = m + log(row.reduce(Float(0)) { $0 + exp($1 - m) })
                #expect(abs(mine - lse) < 1e-4, "\(name) logsumexp")
            }
        }
    }

    @Test func sameSeedSameSamplesOtherSeedOthers() throws {
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry)
        let prompts = sequences.map { Array($0.prefix(batch.prompt_len)) }
        func run(_ seed: UInt64) throws -> [[Int32]] {
            let p = SamplingParameters(temperature: 1, topP: 0.95, maxNewTokens: 12, seed: seed)
            return try generator.generate(prompts: prompts, samplesPerPrompt: 3, parameters: p, endTokens: []).map(\.tokenIDs)
        }
        let first = try run(7)
        #expect(first == (try run(7)))
        #expect(first != (try run(8)))
        // Samples of one prompt differ from each other (independent streams).
        #expect(Set(first[0..<3]).count > 1)
    }

    @Test func finishReasonsAndLogProbSums() throws {
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry)
        let prompt = Array(sequences[0].prefix(batch.prompt_len))
        let greedy = try generator.generate(
            prompts: [prompt], samplesPerPrompt: 1,
            parameters: SamplingParameters(temperature: 0, maxNewTokens: 6), endTokens: [])[0]
        #expect(greedy.finishReason == .length)
        #expect(greedy.tokenCount == 6)
        // The sum equals the full forward's log-probs of the same continuation.
        let ids = prompt + greedy.tokenIDs
        let result = try model.forward(try TokenBatch(ids: [ids], promptLengths: [prompt.count]))
        #expect(abs(Double(result.sequenceLogprobs[0]) - greedy.logProb) < 1e-3)

        // The third greedy token as an end token: the sample stops there, with .eos; as a
        // custom stop id, with .stop.
        let end = greedy.tokenIDs[2]
        let firstEnd = greedy.tokenIDs.firstIndex(of: end)!
        let eos = try generator.generate(prompts: [prompt], samplesPerPrompt: 1,
                                         parameters: SamplingParameters(temperature: 0, maxNewTokens: 6), endTokens: [end])[0]
        #expect(eos.finishReason == .eos)
        #expect(eos.tokenIDs == Array(greedy.tokenIDs[...firstEnd]))
        let stop = try generator.generate(
            prompts: [prompt], samplesPerPrompt: 1,
            parameters: SamplingParameters(temperature: 0, maxNewTokens: 6, stopAtEndOfTurn: false, stopTokenIDs: [end]),
            endTokens: [])[0]
        #expect(stop.finishReason == .stop)
        #expect(stop.tokenIDs == eos.tokenIDs)
    }

    @Test func samplesOfOnePromptShareItsPrefill() throws {
        // Greedy samples decoded from copied cache slots equal a single greedy run.
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry)
        let prompt = Array(sequences[1].prefix(batch.prompt_len))
        let p = SamplingParameters(temperature: 0, maxNewTokens: 10)
        let one = try generator.generate(prompts: [prompt], samplesPerPrompt: 1, parameters: p, endTokens: [])[0]
        let four = try generator.generate(prompts: [prompt], samplesPerPrompt: 4, parameters: p, endTokens: [])
        for s in four { #expect(s.tokenIDs == one.tokenIDs) }
    }

    /// Continuous batching: with room for two prompts' samples at a time, the third prompt
    /// waits until samples end and then takes their slots. Every sample equals the one drawn
    /// with all prompts in the batch at once and with its prompt alone (its own random stream),
    /// each prompt is handed over once, when its last sample has ended, and the results come
    /// back in prompt and sample order.
    @Test func waitingPromptsTakeTheSlotsOfEndedSamples() throws {
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry, maxBatch: 4)
        let everyone = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry, maxBatch: 16)
        let seqs = sequences
        let prompts = [5, 9, 3, 12, 7, 2].enumerated().map { i, k in Array(seqs[i % seqs.count].suffix(k)) }
        // One token in twenty ends a sample, so samples end at different steps (mostly before 24).
        let ends = Set((0..<16).map { Int32(7 + 20 * $0) })
        let p = SamplingParameters(temperature: 1, topP: 0.95, maxNewTokens: 24, seed: 3)
        // The index of every onToken call, by prompt and sample.
        var calls: [[Int]: [Int]] = [:], count = 0
        var handed: [Int: [GeneratedSample]] = [:]
        let samples = try generator.generate(
            prompts: prompts, samplesPerPrompt: 2, parameters: p, endTokens: ends,
            onToken: { prompt, sample, _ in
                calls[[prompt, sample], default: []].append(count)
                count += 1
            },
            onPrompt: { prompt, samples in
                #expect(handed[prompt] == nil, "prompt \(prompt) handed over twice")
                #expect(samples.allSatisfy { calls[[prompt, $0.sampleIndex]]?.count == $0.tokenCount },
                        "prompt \(prompt) handed over before its samples ended")
                handed[prompt] = samples
            })
        #expect(samples.map(\.promptIndex) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        #expect(samples.map(\.sampleIndex) == Array(repeating: [0, 1], count: 6).flatMap { $0 })
        #expect(Set(samples.map(\.tokenCount)).count > 2, "the samples should end at different steps")
        for prompt in prompts.indices {
            #expect(handed[prompt] == Array(samples[(2 * prompt)..<(2 * prompt + 2)]), "prompt \(prompt)")
        }
        // Prompt 2 starts once two samples of prompts 0 and 1 have ended, while the others decode.
        let start = calls[[2, 0]]!.first!
        let earlier = [[0, 0], [0, 1], [1, 0], [1, 1]].map { calls[$0]!.last! }
        #expect(earlier.filter { $0 < start }.count >= 2)
        #expect(earlier.contains { $0 > start }, "prompt 2 should decode alongside an earlier prompt")

        let together = try everyone.generate(prompts: prompts, samplesPerPrompt: 2, parameters: p, endTokens: ends)
        #expect(samples.map(\.tokenIDs) == together.map(\.tokenIDs))
        try expectEachLikeItsPromptAlone(samples, prompts: prompts, generator: generator, parameters: p, endTokens: ends)
    }

    /// Prompts that share their first tokens (a chat template's system turn) have those
    /// prefilled once: every sample equals the one from its prompt alone, prefilled whole.
    @Test func aSharedPrefixIsPrefilledOnceForAllPrompts() throws {
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry, maxBatch: 4)
        let seqs = sequences
        let head = Array(seqs[0].prefix(10))
        let prompts = [Array(seqs[1].prefix(3)), Array(seqs[2].prefix(6)), [Int32(5)], Array(seqs[1].suffix(4))].map { head + $0 }
        #expect(Generator.sharedPrefix(prompts) == 10)
        let p = SamplingParameters(temperature: 1, topP: 0.95, maxNewTokens: 12, seed: 5)
        let ends = Set((0..<16).map { Int32(7 + 20 * $0) })
        let samples = try generator.generate(prompts: prompts, samplesPerPrompt: 2, parameters: p, endTokens: ends)
        try expectEachLikeItsPromptAlone(samples, prompts: prompts, generator: generator, parameters: p, endTokens: ends)
    }

    /// Each prompt's 2 samples in `samples` equal those of the prompt generated alone (its own
    /// random stream): tokens exactly, log-probabilities within 1e-4.
    func expectEachLikeItsPromptAlone(_ samples: [GeneratedSample], prompts: [[Int32]], generator: Generator,
                                      parameters p: SamplingParameters, endTokens ends: Set<Int32>) throws {
        for (i, prompt) in prompts.enumerated() {
            let alone = try generator.generate(prompts: [prompt], samplesPerPrompt: 2, parameters: p, endTokens: ends,
                                               streams: [UInt64(i)])
            #expect(alone.map(\.tokenIDs) == Array(samples[(2 * i)..<(2 * i + 2)]).map(\.tokenIDs), "prompt \(i)")
            for (a, b) in zip(alone, samples[(2 * i)..<(2 * i + 2)]) { #expect(abs(a.logProb - b.logProb) < 1e-4) }
        }
    }

    /// The shared prefix: at least `minimumSharedPrefix` tokens, each prompt keeping one of its own.
    @Test func sharedPrefixLeavesEachPromptATokenOfItsOwn() {
        let head: [Int32] = Array(1...9)
        #expect(Generator.sharedPrefix([head + [20], head + [21, 22]]) == 9)
        #expect(Generator.sharedPrefix([head, head + [21]]) == 8, "the shorter prompt keeps its last token")
        #expect(Generator.sharedPrefix([head, head]) == 8)
        #expect(Generator.sharedPrefix([Array(head.prefix(7)) + [30], Array(head.prefix(7)) + [31]]) == 0, "7 shared tokens are too few")
        #expect(Generator.sharedPrefix([head + [20]]) == 0, "one prompt shares nothing")
        #expect(Generator.sharedPrefix([[Int32(40)] + head, head + [20]]) == 0)
    }

    /// An error thrown while handing over a prompt's samples stops the generation and reaches
    /// the caller; the prompts handed over before it stay handed over.
    @Test func anErrorInThePromptHandlerStopsTheGeneration() throws {
        struct Refused: Error {}
        let generator = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry, maxBatch: 2)
        let prompts = sequences.map { Array($0.prefix(4)) }
        var handed: [Int] = []
        #expect(throws: Refused.self) {
            _ = try generator.generate(
                prompts: prompts, samplesPerPrompt: 1, parameters: SamplingParameters(temperature: 0, maxNewTokens: 3),
                endTokens: [], onPrompt: { prompt, _ in
                    if handed.count == 1 { throw Refused() }
                    handed.append(prompt)
                })
        }
        #expect(handed == [0])
    }

    @Test func contextOverflowIsATypedError() throws {
        let decoder = IncrementalDecoder(weights: model.decoderWeights, geometry: model.decoderGeometry, slots: 1, capacity: 4)
        #expect(throws: InferenceError.contextFull(slot: 0, capacity: 4)) {
            _ = try decoder.prefill(prompts: [[1, 2, 3, 4, 5]], slots: [0])
        }
        #expect(throws: InferenceError.badToken(9999, vocabulary: model.config.vocabularySize)) {
            _ = try decoder.prefill(prompts: [[9999]], slots: [0])
        }
    }
}
