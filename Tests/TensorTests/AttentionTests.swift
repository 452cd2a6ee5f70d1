import Foundation
import Testing
@testable import Tensor

@Suite struct AttentionTests {
    // Two packed sequences (lengths 5 and 3), 4 query heads sharing 2 KV heads, D = 4.
    let lengths = [5, 3], starts = [0, 5]
    let shape = AttentionShape(heads: 4, kvHeads: 2, headDim: 4, ld: 4 * 4 + 2 * 2 * 4, qOffset: 0, kOffset: 16, vOffset: 24)
    var n: Int { lengths.reduce(0, +) }

    func forward(_ qkv: [Float]) -> (out: [Float], att: [Float]) {
        let r = withBuffers([
            [Float](repeating: 0, count: n * 16),
            [Float](repeating: 0, count: attentionSize(heads: 4, lengths: lengths)), qkv,
        ]) { p in
            attentionForward(p[0], att: p[1], qkv: p[2], starts: starts, lengths: lengths, shape: shape)
        }
        return (r[0], r[1])
    }

    /// Straightforward causal GQA in Double, one sequence at a time.
    func reference(_ qkv: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: n * 16)
        for (s, l) in lengths.enumerated() {
            for h in 0..<4 {
                let g = h / 2
                for t in 0..<l {
                    let q = (starts[s] + t) * shape.ld + h * 4
                    var scores = (0...t).map { j -> Double in
                        let k = (starts[s] + j) * shape.ld + 16 + g * 4
                        return (0..<4).reduce(0.0) { $0 + Double(qkv[q + $1]) * Double(qkv[k + $1]) } / 2
                    }
                    let mx = scores.max()!
                    scores = scores.map { exp($0 - mx) }
                    let z = scores.reduce(0, +)
                    for j in 0...t {
                        let v = (starts[s] + j) * shape.ld + 24 + g * 4
                        for i in 0..<4 { out[(starts[s] + t) * 16 + h * 4 + i] += scores[j] / z * Double(qkv[v + i]) }
                    }
                }
            }
        }
        return out
    }

    @Test func forwardMatchesReferenceAndSequencesDoNotMix() {
        var rng = TestRNG(seed: 6)
        var qkv = rng.normals(n * shape.ld)
        let out = forward(qkv).out
        let ref = reference(qkv)
        #expect(zip(out, ref).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        // Changing the second sequence leaves the first one's outputs unchanged.
        for i in (5 * shape.ld)..<(n * shape.ld) { qkv[i] += 1 }
        #expect(Array(forward(qkv).out[0..<(5 * 16)]) == Array(out[0..<(5 * 16)]))
    }

    @Test func backwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 7)
        var qkv = rng.normals(n * shape.ld)
        let dy = rng.normals(n * 16)
        let att = forward(qkv).att
        let d = withBuffers([
            [Float](repeating: 0, count: n * shape.ld), [Float](repeating: 0, count: att.count), dy, att, qkv,
        ]) { p in
            attentionBackward(dqkv: p[0], scratch: p[1], dout: p[2], att: p[3], qkv: p[4], starts: starts, lengths: lengths, shape: shape)
        }[0]
        let numeric = numericGradient(&qkv) { weightedSum(forward($0).out, dy) }
        #expect(gradientError(d, numeric) < 2e-3)
    }

    // A pair sharing a prompt: sequence 0 is 5 tokens; sequence 1 is the first 3 of them
    // followed by 4 tokens of its own (7 positions), of which only its own 4 rows are stored.
    static let shared = (own: [5, 4], starts: [0, 5], prefixes: [SharedRows.none, SharedRows(start: 0, count: 3)])

    func sharedForward(_ qkv: [Float], shape: AttentionShape) -> (out: [Float], att: [Float]) {
        let s = Self.shared, n = 9
        let r = withBuffers([
            [Float](repeating: 0, count: n * 16),
            [Float](repeating: 0, count: attentionSize(heads: 4, lengths: s.own, prefixes: s.prefixes)), qkv,
        ]) { p in
            attentionForward(p[0], att: p[1], qkv: p[2], starts: s.starts, lengths: s.own, prefixes: s.prefixes, shape: shape)
        }
        return (r[0], r[1])
    }

    /// The second sequence's own rows equal the last 4 rows of its whole 7 tokens attended
    /// without sharing (the prompt rows copied in front), and the first sequence is untouched;
    /// also with a sliding window that reaches back into the prompt.
    @Test(arguments: [nil, 3] as [Int?])
    func sharedPrefixEqualsTheWholeSequence(window: Int?) {
        var shape = self.shape
        shape.window = window
        var rng = TestRNG(seed: 8)
        let qkv = rng.normals(9 * shape.ld)
        let shared = sharedForward(qkv, shape: shape).out
        // Unshared: sequence 0 (5 rows), then the prompt's 3 rows again and sequence 1's 4.
        let whole = Array(qkv[0..<(5 * shape.ld)]) + Array(qkv[0..<(3 * shape.ld)]) + Array(qkv[(5 * shape.ld)...])
        let plain = withBuffers([
            [Float](repeating: 0, count: 12 * 16), [Float](repeating: 0, count: attentionSize(heads: 4, lengths: [5, 7])), whole,
        ]) { p in
            attentionForward(p[0], att: p[1], qkv: p[2], starts: [0, 5], lengths: [5, 7], shape: shape)
        }[0]
        #expect(zip(shared[0..<(5 * 16)], plain[0..<(5 * 16)]).allSatisfy { abs($0 - $1) < 1e-6 })
        let sharedTail = Array(shared[(5 * 16)...]), plainTail = Array(plain[(8 * 16)...])
        #expect(zip(sharedTail, plainTail).allSatisfy { abs($0 - $1) < 1e-5 })
        // The prompt matters to the second sequence: changing its last key (in every window)
        // changes the output.
        var moved = qkv
        moved[2 * shape.ld + 16] += 1
        #expect(sharedForward(moved, shape: shape).out[(5 * 16)...] != shared[(5 * 16)...])
    }

    /// The prefix's key and value gradients receive both sequences' parts (finite differences
    /// move the prompt's keys under both sequences' queries).
    @Test func sharedPrefixBackwardMatchesFiniteDifferences() {
        let s = Self.shared
        var rng = TestRNG(seed: 9)
        var qkv = rng.normals(9 * shape.ld)
        let dy = rng.normals(9 * 16)
        let att = sharedForward(qkv, shape: shape).att
        let d = withBuffers([
            [Float](repeating: 0, count: 9 * shape.ld), [Float](repeating: 0, count: att.count), dy, att, qkv,
        ]) { p in
            attentionBackward(dqkv: p[0], scratch: p[1], dout: p[2], att: p[3], qkv: p[4], starts: s.starts, lengths: s.own,
                              prefixes: s.prefixes, shape: shape)
        }[0]
        let numeric = numericGradient(&qkv) { weightedSum(sharedForward($0, shape: shape).out, dy) }
        #expect(gradientError(d, numeric) < 2e-3)
    }
}
