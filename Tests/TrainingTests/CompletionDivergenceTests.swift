import Foundation
import Llama
import Testing
@testable import Training

/// `CompletionScoring.divergences`: KL(policy ‖ reference) summed over each completion's
/// tokens, against the same sum computed another way — every sequence alone (no batching, no
/// shared prompts), its full logits read position by position, softmaxes and logarithms in Double.
@Suite(.serialized) struct CompletionDivergenceTests {
    static func sequences() throws -> [CompletionSequence] {
        // A pair's two answers share their prompt in a batch: the first completion token of the
        // second is predicted from a row the first one owns.
        try TinyPolicy.pairs().flatMap { [CompletionSequence(prompt: $0.prompt, completion: $0.chosen),
                                          CompletionSequence(prompt: $0.prompt, completion: $0.rejected)] }
    }

    /// Σ over completion positions of Σ_v P log(P/Q), one sequence at a time.
    static func unbatched(policy: LlamaModel, reference: LlamaModel, _ s: CompletionSequence) throws -> Double {
        let ids = s.prompt + s.completion
        let positions = (s.prompt.count - 1)..<(ids.count - 1)
        func rows(_ model: LlamaModel) throws -> [[Float]] {
            _ = try model.forward(TokenBatch(ids: [ids], promptLengths: [s.prompt.count]), training: false, forBackward: false)
            return try model.logits(at: positions.map { (sequence: 0, position: $0) })
        }
        func logSoftmax(_ x: [Float]) -> [Double] {
            let m = Double(x.max()!)
            let lse = m + log(x.reduce(0.0) { $0 + exp(Double($1) - m) })
            return x.map { Double($0) - lse }
        }
        return zip(try rows(policy), try rows(reference)).reduce(0.0) { total, pair in
            let lp = logSoftmax(pair.0), lq = logSoftmax(pair.1)
            return total + zip(lp, lq).reduce(0.0) { $0 + exp($1.0) * ($1.0 - $1.1) }
        }
    }

    @Test func matchesEachSequenceAloneInDouble() throws {
        let reference = try TinyPolicy.base()
        let policy = try TinyPolicy.base()
        policy.adapter = try TinyPolicy.fixtureAdapter(for: policy)
        let sequences = try Self.sequences()
        let batched = try CompletionScoring.divergences(model: policy, reference: reference, sequences: sequences, batchSize: 3)
        #expect(batched.count == sequences.count)
        // Logits a few rows at a time (a batch's rows cut into several chunks): the same sums up to
        // rounding (a product of 5 rows rounds otherwise than one of all of them).
        let chunked = try CompletionScoring.divergences(model: policy, reference: reference, sequences: sequences, batchSize: 3,
                                                        chunkRows: 5)
        #expect(zip(batched, chunked).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, $1) })
        for (i, s) in sequences.enumerated() {
            let expected = try Self.unbatched(policy: policy, reference: reference, s)
            #expect(expected > 1e-4, "the fixture adapter moves every answer's distributions")
            #expect(abs(batched[i] - expected) <= 1e-4 * max(1, expected), "sequence \(i): \(batched[i]) vs \(expected)")
        }
        // Not the log-ratio: that one is negative on some of these answers, the divergence never.
        let ratios = zip(try CompletionScoring.logprobs(model: policy, sequences: sequences, batchSize: 3),
                         try CompletionScoring.logprobs(model: reference, sequences: sequences, batchSize: 3)).map { $0 - $1 }
        #expect(zip(batched, ratios).contains { abs($0 - $1) > 1e-3 })
        #expect(ratios.contains { $0 < 0 })
    }

    @Test func isZeroAgainstItselfAndAsymmetric() throws {
        let base = try TinyPolicy.base()
        let policy = try TinyPolicy.base()
        policy.adapter = try TinyPolicy.fixtureAdapter(for: policy)
        let sequences = try Self.sequences()
        #expect(try CompletionScoring.divergences(model: base, reference: base, sequences: sequences, batchSize: 4).allSatisfy { $0 == 0 })
        let forward = try CompletionScoring.divergences(model: policy, reference: base, sequences: sequences, batchSize: 4)
        let backward = try CompletionScoring.divergences(model: base, reference: policy, sequences: sequences, batchSize: 4)
        #expect(forward.allSatisfy { $0 > 0 } && backward.allSatisfy { $0 > 0 })
        #expect(zip(forward, backward).contains { abs($0 - $1) > 1e-4 })
    }
}
