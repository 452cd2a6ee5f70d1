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

    @Test func forwardMatchesReferenceAndSequencesDoNotMix() {
        var rng = TestRNG(seed: 6)
        var qkv = rng.normals(n * shape.ld)
        let out = forward(qkv).out
        let ref = reference(qkv, sequences: zip(starts, lengths).map { Array($0..<($0 + $1)) }, shape: shape).flatMap { $0 }
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
    static let shared = Packing(own: [5, 4], prefixes: [.none, SharedRows(start: 0, count: 3)])

    /// Packed sequences' own rows, one after another, and what each shares.
    struct Packing {
        var own: [Int], prefixes: [SharedRows]
        var starts: [Int] { own.indices.map { own[0..<$0].reduce(0, +) } }
        var rows: Int { own.reduce(0, +) }
    }

    func forward(_ qkv: [Float], _ packing: Packing, shape: AttentionShape) -> (out: [Float], att: [Float]) {
        let r = withBuffers([
            [Float](repeating: 0, count: packing.rows * 16),
            [Float](repeating: 0, count: attentionSize(heads: 4, lengths: packing.own, prefixes: packing.prefixes)), qkv,
        ]) { p in
            attentionForward(p[0], att: p[1], qkv: p[2], starts: packing.starts, lengths: packing.own, prefixes: packing.prefixes,
                             shape: shape)
        }
        return (r[0], r[1])
    }

    func backward(_ qkv: [Float], dy: [Float], _ packing: Packing) -> [Float] {
        let att = forward(qkv, packing, shape: shape).att
        return withBuffers([
            [Float](repeating: 0, count: qkv.count), [Float](repeating: 0, count: att.count), dy, att, qkv,
        ]) { p in
            attentionBackward(dqkv: p[0], scratch: p[1], dout: p[2], att: p[3], qkv: p[4], starts: packing.starts,
                              lengths: packing.own, prefixes: packing.prefixes, shape: shape)
        }[0]
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
        let shared = forward(qkv, Self.shared, shape: shape).out
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
        #expect(forward(moved, Self.shared, shape: shape).out[(5 * 16)...] != shared[(5 * 16)...])
    }

    /// The prefix's key and value gradients receive both sequences' parts (finite differences
    /// move the prompt's keys under both sequences' queries).
    @Test func sharedPrefixBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 9)
        var qkv = rng.normals(9 * shape.ld)
        let dy = rng.normals(9 * 16)
        let d = backward(qkv, dy: dy, Self.shared)
        let numeric = numericGradient(&qkv) { weightedSum(forward($0, Self.shared, shape: shape).out, dy) }
        #expect(gradientError(d, numeric) < 2e-3)
    }

    // Sequences longer than one block of query rows (`causalBlock`): sequence 0 has 150
    // tokens, sequence 1 shares its first 80 and has 100 of its own (positions 80 ..< 180), and
    // sequence 2 (70 tokens) shares nothing.
    static let long = Packing(own: [150, 100, 70], prefixes: [.none, SharedRows(start: 0, count: 80), .none])

    /// Straightforward causal GQA in Double over whole sequences given as lists of packed rows.
    func reference(_ qkv: [Float], sequences: [[Int]], shape: AttentionShape) -> [[Double]] {
        sequences.map { rows in
            var out = [Double](repeating: 0, count: rows.count * 16)
            for h in 0..<4 {
                let g = h / 2
                for t in rows.indices {
                    let lo = shape.firstKey(t)
                    var scores = (lo...t).map { j -> Double in
                        (0..<4).reduce(0.0) { $0 + Double(qkv[rows[t] * shape.ld + h * 4 + $1]) * Double(qkv[rows[j] * shape.ld + 16 + g * 4 + $1]) } / 2
                    }
                    let mx = scores.max()!
                    scores = scores.map { exp($0 - mx) }
                    let z = scores.reduce(0, +)
                    for (k, j) in (lo...t).enumerated() {
                        for i in 0..<4 { out[t * 16 + h * 4 + i] += scores[k] / z * Double(qkv[rows[j] * shape.ld + 24 + g * 4 + i]) }
                    }
                }
            }
            return out
        }
    }

    /// Several blocks of query rows, a shared prefix reaching into the second block, and a
    /// sliding window: every own row equals the whole sequence's attention in Double.
    @Test(arguments: [nil, 50] as [Int?])
    func longSequencesMatchTheReference(window: Int?) {
        var shape = self.shape
        shape.window = window
        var rng = TestRNG(seed: 10)
        let qkv = rng.normals(320 * shape.ld)
        let out = forward(qkv, Self.long, shape: shape).out
        let ref = reference(qkv, sequences: [Array(0..<150), Array(0..<80) + Array(150..<250), Array(250..<320)], shape: shape)
        var worst = 0.0
        for (s, rows) in [Array(0..<150), Array(150..<250), Array(250..<320)].enumerated() {
            let whole = ref[s], skip = s == 1 ? 80 : 0  // sequence 1's own rows are its positions 80...
            for (t, row) in rows.enumerated() {
                for i in 0..<16 { worst = max(worst, abs(Double(out[row * 16 + i]) - whole[(skip + t) * 16 + i])) }
            }
        }
        #expect(worst < 1e-5)
    }

    /// The backward of the blocked, shared-prefix case against central differences (of the
    /// Double reference) along random directions in the q, k and v columns of every row, and in
    /// the shared prompt's keys (all 320 × 40 entries one at a time would be 25,600 forwards).
    @Test func longSequencesBackwardMatchesDirectionalDifferences() {
        var rng = TestRNG(seed: 11)
        let qkv = rng.normals(320 * shape.ld)
        let dy = rng.normals(320 * 16)
        // The loss in Double (the reference attention), so the differences carry no float
        // rounding: Σ dy · out over every sequence's own rows.
        let sequences = [Array(0..<150), Array(0..<80) + Array(150..<250), Array(250..<320)]
        func loss(_ x: [Float]) -> Double {
            let ref = reference(x, sequences: sequences, shape: shape)
            var total = 0.0
            for (s, rows) in sequences.enumerated() {
                let skip = s == 1 ? 80 : 0
                for t in skip..<rows.count { for i in 0..<16 { total += ref[s][t * 16 + i] * Double(dy[rows[t] * 16 + i]) } }
            }
            return total
        }
        let d = backward(qkv, dy: dy, Self.long)
        for (name, columns) in [("q", 0..<16), ("k", 16..<24), ("v", 24..<32), ("prompt keys", 16..<24)] {
            let rows = name == "prompt keys" ? 0..<80 : 0..<320
            var u = [Float](repeating: 0, count: qkv.count)
            for r in rows { for c in columns { u[r * shape.ld + c] = rng.normals(1)[0] } }
            let eps: Float = 1e-3
            let numeric = (loss(zip(qkv, u).map { $0 + eps * $1 }) - loss(zip(qkv, u).map { $0 - eps * $1 })) / Double(2 * eps)
            let analytic = zip(d, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(analytic - numeric) < 1e-3 * abs(numeric), "\(name): \(analytic) vs \(numeric)")
        }
    }
}
