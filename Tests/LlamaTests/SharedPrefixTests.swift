import Foundation
import Testing
@testable import Llama

// A batch whose sequences share their prompts (TokenBatch.sharingPrompts) computes each prompt
// once, and with `sharingCommonPrefixes` the common beginning of different prompts (a chat
// template's system turn) too; it must give what the same batch gives unshared: log-probs,
// hidden states and every gradient, up to float rounding. Checked on the 2-layer reference model.

@Suite struct SharedPrefixTests {
    // Two answers to prompt P, one to prompt Q, a third answer to P, a sequence that is only P
    // (nothing of its own to share after it), and one to prompt R, which begins like P.
    static let p: [Int32] = [5, 17, 9, 200, 33], q: [Int32] = [8, 8, 41], r: [Int32] = [5, 17, 9, 77]
    static let ids: [[Int32]] = [p + [12, 99, 3, 7], p + [64, 2], q + [150, 151, 152], p + [19], p, r + [6, 6]]
    static let promptLengths = [5, 5, 3, 5, 5, 4]

    enum Sharing: CaseIterable { case prompts, promptsAndCommonPrefixes }

    static func batches(_ sharing: Sharing = .prompts) throws -> (plain: TokenBatch, shared: TokenBatch) {
        // Every position scored, prompt positions included, so the shared rows' log-probs count.
        let plain = try TokenBatch(ids: ids, targetMask: ids.map { s in s.indices.map { $0 + 1 < s.count } })
        let prompts = try plain.sharingPrompts(promptLengths)
        // The reference sequences are short: common beginnings of 3 tokens are shared here.
        return (plain, sharing == .prompts ? prompts : prompts.sharingCommonPrefixes(minimum: 3))
    }

    @Test func sharesEachPromptWithItsFirstSequence() throws {
        let shared = try Self.batches().shared
        #expect(shared.prefixes == [nil, SharedPrefix(sequence: 0, length: 5), nil, SharedPrefix(sequence: 0, length: 5), nil, nil])
        let rows = PackedRows(shared)
        #expect(rows.count == 9 + 2 + 6 + 1 + 5 + 6)
        #expect(rows.row(1, 4) == rows.row(0, 4) && rows.row(1, 5) == rows.starts[1])
        // Another prompt of the same length is not shared.
        let other = try TokenBatch(ids: [Self.p + [1], [5, 17, 9, 200, 34, 1]], promptLengths: [5, 5]).sharingPrompts([5, 5])
        #expect(other.prefixes == [nil, nil])
        #expect(throws: LlamaError.self) { try Self.batches().plain.sharingPrompts([5]) }
    }

    @Test func sharesCommonBeginningsOfSequencesNoOneSharesFrom() throws {
        let common = try Self.batches(.promptsAndCommonPrefixes).shared
        // P alone keeps its last token; R shares the 3 tokens it has in common with P's first
        // answer; Q has nothing in common with any.
        #expect(common.prefixes == [nil, SharedPrefix(sequence: 0, length: 5), nil, SharedPrefix(sequence: 0, length: 5),
                                    SharedPrefix(sequence: 0, length: 4), SharedPrefix(sequence: 0, length: 3)])
        #expect(PackedRows(common).count == 9 + 2 + 6 + 1 + 1 + 3)
        // The default minimum (a system turn's length) leaves these short beginnings alone, and
        // a sequence another shares its prompt from is never given a prefix of its own.
        #expect(try Self.batches().shared.sharingCommonPrefixes() == Self.batches().shared)
        let pair = try TokenBatch(ids: [Self.p + [1, 2], Self.p + [40], Self.p + [41]], promptLengths: [2, 5, 5])
            .sharingPrompts([2, 5, 5]).sharingCommonPrefixes(minimum: 3)
        #expect(pair.prefixes == [nil, nil, SharedPrefix(sequence: 1, length: 5)])
    }

    @Test(arguments: Sharing.allCases)
    func forwardGivesTheUnsharedLogprobsAndHiddenStates(sharing: Sharing) throws {
        let model = try LlamaModel.load(from: Fixtures.tiny)
        let (plain, shared) = try Self.batches(sharing)
        let a = try model.forward(plain, computeHidden: true)
        let positions = [(sequence: 1, position: 2), (sequence: 1, position: 6), (sequence: 3, position: 5),
                         (sequence: 4, position: 4), (sequence: 5, position: 2), (sequence: 5, position: 5)]
        let plainLogits = try model.logits(at: positions)
        let b = try model.forward(shared, computeHidden: true)
        let sharedLogits = try model.logits(at: positions)
        for (x, y) in zip(sharedLogits, plainLogits) { #expect(Fixtures.relativeError(x, y) < 1e-5) }
        // A shared prompt edited afterwards in one sequence only is refused, not silently read
        // from the other.
        var edited = shared
        edited.ids[1][0] = 6
        #expect(throws: LlamaError.self) { try model.forward(edited) }
        let c = model.config.hiddenSize
        #expect(b.hidden!.count < a.hidden!.count)
        for (s, seq) in Self.ids.enumerated() {
            for t in seq.indices {
                if t + 1 < seq.count { #expect(abs(a.logprobs[s][t] - b.logprobs[s][t]) < 1e-5, "sequence \(s) position \(t)") }
                let ra = a.rows.row(s, t), rb = b.rows.row(s, t)
                let error = Fixtures.relativeError(Array(b.hidden![(rb * c)..<((rb + 1) * c)]), Array(a.hidden![(ra * c)..<((ra + 1) * c)]))
                #expect(error < 1e-5, "sequence \(s) position \(t)")
            }
        }
    }

    /// The same loss through log-probs and through the last tokens' hidden states (a reward
    /// head's input) gives the same gradients of every weight, and of a LoRA adapter.
    @Test(arguments: [false, true], Sharing.allCases)
    func backwardGivesTheUnsharedGradients(lora: Bool, sharing: Sharing) throws {
        let model = try LlamaModel.load(from: Fixtures.tiny)
        if lora {
            let adapter = LoRAAdapter(model: model.config, configuration: LoRAConfiguration(rank: 2, alpha: 4, seed: 3))
            for t in adapter.tensors where t.name.hasSuffix("lora_B.weight") {
                for i in 0..<t.count { adapter.parameters[t.offset + i] = Float(sin(Double(i))) * 0.2 }
            }
            model.adapter = adapter
        } else {
            model.trainsBase = true
        }
        let (plain, shared) = try Self.batches(sharing)
        let c = model.config.hiddenSize
        let weights = Self.ids.map { s in s.indices.map { Float(cos(Double($0 + s.count))) } }
        func gradients(_ batch: TokenBatch) throws -> [Float] {
            let out = try model.forward(batch, computeHidden: true)
            var dHidden = [Float](repeating: 0, count: out.hidden!.count)
            for (s, seq) in Self.ids.enumerated() {
                let r = out.rows.row(s, seq.count - 1)
                for i in 0..<c { dHidden[r * c + i] += Float(sin(Double(i + s))) }
            }
            model.zeroGrad()
            try model.backward(dLogprobs: weights, dHidden: dHidden)
            return lora ? model.adapter!.gradients.array() : model.gradients!.array()
        }
        let a = try gradients(plain), b = try gradients(shared)
        #expect(a.contains { abs($0) > 1e-3 })
        #expect(Fixtures.relativeError(b, a) < 1e-5)
    }
}
