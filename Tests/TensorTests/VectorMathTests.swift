import Foundation
import Testing
@testable import Tensor

@Suite struct VectorMathTests {
    @Test func expApproxIsWithinAFewUlpsOfExp() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let got = Double(expApprox(Float8(repeating: x))[3]), want = exp(Double(x))
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        #expect(worst < 5e-7)
    }

    @Test func dotAxpyMaxAndSumExpHandleTails() {
        var rng = TestRNG(seed: 10)
        for n in [1, 7, 8, 15, 16, 33] {
            let a = rng.normals(n), b = rng.normals(n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let ref = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    #expect(abs(Double(dot(pa.baseAddress!, pb.baseAddress!, n)) - ref) < 1e-5)
                    #expect(maxElement(pa.baseAddress!, n) == a.max()!)
                    let se = a.reduce(0.0) { $0 + exp(Double($1) - 1) }
                    #expect(abs(Double(sumExp(pa.baseAddress!, n, shift: 1)) - se) < 1e-5 * se)
                    let tempered = a.reduce(0.0) { $0 + exp((Double($1) - 1) / 0.7) }
                    #expect(abs(Double(sumExp(pa.baseAddress!, n, shift: 1, scale: 1 / 0.7)) - tempered) < 1e-5 * tempered)
                }
            }
            let y = withBuffers([a, b]) { p in axpy(p[0], 0.5, p[1], n) }[0]
            #expect(zip(y, zip(a, b)).allSatisfy { abs($0 - ($1.0 + 0.5 * $1.1)) < 1e-6 })
        }
    }

    /// Widths through every path of the register-held sum (32 at a time, then 8, then 1), with
    /// a stale output it must overwrite, against the sum in double.
    @Test func weightedRowSumMatchesThePlainSum() {
        var rng = TestRNG(seed: 12)
        for (count, d) in [(1, 64), (5, 43), (17, 8), (3, 5), (2, 40)] {
            let w = rng.normals(count), rows = rng.normals(count * d)
            var y = [Float](repeating: 9, count: d)
            w.withUnsafeBufferPointer { pw in
                rows.withUnsafeBufferPointer { pr in
                    y.withUnsafeMutableBufferPointer { weightedRowSum($0.baseAddress!, pw.baseAddress!, pr.baseAddress!, count: count, d: d) }
                }
            }
            for c in 0..<d {
                let want = (0..<count).reduce(0.0) { $0 + Double(w[$1]) * Double(rows[$1 * d + c]) }
                #expect(abs(Double(y[c]) - want) < 1e-5, "count \(count) d \(d) column \(c)")
            }
        }
    }

    /// Key counts through the four-key blocks and the one-key tail, head widths on and off the
    /// 8-lane step, against the scaled dot products in double; scores past `count` untouched.
    @Test func scaledDotsMatchThePlainScores() {
        var rng = TestRNG(seed: 13)
        for (count, d) in [(1, 64), (4, 64), (7, 64), (9, 20), (12, 5), (0, 16)] {
            let q = rng.normals(d), keys = rng.normals(max(count, 1) * d)
            var s = [Float](repeating: 9, count: count + 1)
            q.withUnsafeBufferPointer { pq in
                keys.withUnsafeBufferPointer { pk in
                    s.withUnsafeMutableBufferPointer {
                        scaledDots($0.baseAddress!, pq.baseAddress!, pk.baseAddress!, count: count, d: d, scale: 0.125)
                    }
                }
            }
            for j in 0..<count {
                let want = 0.125 * (0..<d).reduce(0.0) { $0 + Double(q[$1]) * Double(keys[j * d + $1]) }
                #expect(abs(Double(s[j]) - want) < 1e-5, "count \(count) d \(d) key \(j)")
            }
            #expect(s[count] == 9, "count \(count) d \(d): wrote past the last key")
        }
    }
}
