import Foundation
import Testing
@testable import Tensor

@Suite struct KLDivergenceTests {
    /// Σ_v P(v) log(P(v) / Q(v)) with both softmaxes and logarithms in Double.
    func reference(_ p: [Float], _ q: [Float]) -> Double {
        func logSoftmax(_ x: [Float]) -> [Double] {
            let m = Double(x.max()!)
            let lse = m + log(x.reduce(0.0) { $0 + exp(Double($1) - m) })
            return x.map { Double($0) - lse }
        }
        let lp = logSoftmax(p), lq = logSoftmax(q)
        return zip(lp, lq).reduce(0.0) { $0 + exp($1.0) * ($1.0 - $1.1) }
    }

    func kl(_ p: [Float], _ q: [Float]) -> Double {
        var scratch = [Float](repeating: .nan, count: p.count)
        return p.withUnsafeBufferPointer { pp in
            q.withUnsafeBufferPointer { qq in
                scratch.withUnsafeMutableBufferPointer { s in
                    klDivergence(logits: pp.baseAddress!, qq.baseAddress!, v: p.count, scratch: s.baseAddress!)
                }
            }
        }
    }

    /// Rows of fewer than 8 logits go through the scalar tail alone, 8 through the vector loop
    /// alone, 9, 1000 and 49,152 (SmolLM2's vocabulary) through both.
    @Test(arguments: [1, 3, 8, 9, 1000, 49_152])
    func matchesTheDefinitionInDouble(v: Int) {
        var rng = TestRNG(seed: UInt64(v))
        let p = rng.normals(v, scale: 3)
        let near = zip(p, rng.normals(v, scale: 0.3)).map { $0 + $1 }   // a nearby model
        let far = rng.normals(v, scale: 3)                             // an unrelated one
        for q in [near, far] {
            let expected = reference(p, q)
            #expect(abs(kl(p, q) - expected) <= 1e-5 * max(1, expected), "v \(v): \(kl(p, q)) vs \(expected)")
        }
    }

    @Test func isZeroForTheSameDistributionAndIgnoresEachRowsShift() {
        var rng = TestRNG(seed: 3)
        let p = rng.normals(300, scale: 4), q = rng.normals(300, scale: 4)
        #expect(kl(p, p) == 0)
        #expect(kl(p, p.map { $0 + 7.5 }) < 1e-6)   // softmax(p + c) = softmax(p)
        #expect(abs(kl(p.map { $0 - 20 }, q.map { $0 + 11 }) - kl(p, q)) < 1e-4)
        #expect(kl(p, q) > 0.1 && kl(q, p) > 0.1 && abs(kl(p, q) - kl(q, p)) > 1e-3)   // positive, not symmetric
    }

    /// A two-token distribution by hand: P = (0.5, 0.5), Q = (0.2, 0.8):
    /// 0.5·ln(0.5/0.2) + 0.5·ln(0.5/0.8) = 0.2231435513142097.
    @Test func handComputedPair() {
        let q: [Float] = [0, Float(log(4.0))]
        #expect(abs(kl([1, 1], q) - 0.2231435513142097) < 1e-6)
    }
}
