import Foundation
import Testing
@testable import Tensor

// Every backward kernel against central finite differences of its forward, on small shapes.
// The scalar is L = Σ w·y with fixed random w, so dout = w.

@Suite struct KernelGradientTests {
    @Test func matmulMatchesNaiveAndFiniteDifferences() {
        var rng = TestRNG(seed: 1)
        let (n, c, oc) = (5, 7, 3)
        var x = rng.normals(n * c), w = rng.normals(oc * c)
        let dy = rng.normals(n * oc)
        func forward(_ x: [Float], _ w: [Float]) -> [Float] {
            withBuffers([[Float](repeating: 0, count: n * oc), x, w]) { p in
                matmulForward(p[0], p[1], p[2], n: n, c: c, oc: oc)
            }[0]
        }
        let y = forward(x, w)
        for r in 0..<n {
            for o in 0..<oc {
                var s = 0.0
                for i in 0..<c { s += Double(x[r * c + i]) * Double(w[o * c + i]) }
                #expect(abs(Double(y[r * oc + o]) - s) < 1e-5)
            }
        }
        let grads = withBuffers([[Float](repeating: 0, count: n * c), [Float](repeating: 0, count: oc * c), dy, x, w]) { p in
            matmulBackward(dinp: p[0], dweight: p[1], dout: p[2], inp: p[3], weight: p[4], n: n, c: c, oc: oc)
        }
        let wx = w, xx = x
        let nx = numericGradient(&x) { weightedSum(forward($0, wx), dy) }
        let nw = numericGradient(&w) { weightedSum(forward(xx, $0), dy) }
        #expect(gradientError(grads[0], nx) < 2e-3)
        #expect(gradientError(grads[1], nw) < 2e-3)
    }

    @Test func rmsnormGradients() {
        var rng = TestRNG(seed: 2)
        let (n, c) = (4, 9)
        var x = rng.normals(n * c), g = rng.normals(c).map { 1 + 0.1 * $0 }
        let dy = rng.normals(n * c)
        func forward(_ x: [Float], _ g: [Float]) -> [Float] {
            withBuffers([[Float](repeating: 0, count: n * c), [Float](repeating: 0, count: n), x, g]) { p in
                rmsnormForward(p[0], p[1], p[2], p[3], n: n, c: c, eps: 1e-5)
            }[0]
        }
        // Hand check of one element: y = x / rms(x) · g.
        let y = forward(x, g)
        let ms = (0..<c).reduce(0.0) { $0 + Double(x[$1] * x[$1]) } / Double(c)
        #expect(abs(Double(y[3]) - Double(x[3]) / (ms + 1e-5).squareRoot() * Double(g[3])) < 1e-5)
        let rstd = withBuffers([[Float](repeating: 0, count: n * c), [Float](repeating: 0, count: n), x, g]) { p in
            rmsnormForward(p[0], p[1], p[2], p[3], n: n, c: c, eps: 1e-5)
        }[1]
        let grads = withBuffers([[Float](repeating: 0, count: n * c), [Float](repeating: 0, count: c), dy, x, g, rstd]) { p in
            rmsnormBackward(dinp: p[0], dweight: p[1], dout: p[2], inp: p[3], weight: p[4], rstd: p[5], n: n, c: c)
        }
        let gx = g, xx = x
        #expect(gradientError(grads[0], numericGradient(&x) { weightedSum(forward($0, gx), dy) }) < 2e-3)
        #expect(gradientError(grads[1], numericGradient(&g) { weightedSum(forward(xx, $0), dy) }) < 2e-3)
    }

    @Test func ropeRotatesLikeTheFormulaAndBackwardIsItsTranspose() {
        var rng = TestRNG(seed: 3)
        let (n, heads, d) = (3, 2, 8)
        let table = RoPETable(headDim: d, theta: 10000, positions: 16)
        let positions: [Int32] = [0, 5, 11]
        var x = rng.normals(n * heads * d)
        let dy = rng.normals(n * heads * d)
        func forward(_ x: [Float]) -> [Float] {
            withBuffers([x]) { p in
                positions.withUnsafeBufferPointer { pos in
                    ropeForward(p[0], ld: heads * d, n: n, heads: heads, positions: pos.baseAddress!, table: table)
                }
            }[0]
        }
        let y = forward(x)
        #expect(Array(y[0..<(heads * d)]) == Array(x[0..<(heads * d)]))  // position 0 is the identity
        // Row 2, head 1, pair (1, 1 + d/2) by the formula.
        let angle = 11 * pow(10000.0, -2.0 / Double(d))
        let base = 2 * heads * d + d
        let a = Double(x[base + 1]), b = Double(x[base + 1 + d / 2])
        #expect(abs(Double(y[base + 1]) - (a * cos(angle) - b * sin(angle))) < 1e-5)
        #expect(abs(Double(y[base + 1 + d / 2]) - (b * cos(angle) + a * sin(angle))) < 1e-5)
        let dx = withBuffers([dy]) { p in
            positions.withUnsafeBufferPointer { pos in
                ropeBackward(p[0], ld: heads * d, n: n, heads: heads, positions: pos.baseAddress!, table: table)
            }
        }[0]
        #expect(gradientError(dx, numericGradient(&x) { weightedSum(forward($0), dy) }) < 2e-3)
    }

    @Test func swigluGradients() {
        var rng = TestRNG(seed: 4)
        let (n, f) = (3, 6)
        var gu = rng.normals(n * 2 * f)
        let dy = rng.normals(n * f)
        func forward(_ gu: [Float]) -> [Float] {
            withBuffers([[Float](repeating: 0, count: n * f), gu]) { p in swigluForward(p[0], p[1], n: n, f: f) }[0]
        }
        let y = forward(gu)
        let g0 = Double(gu[0]), u0 = Double(gu[f])
        #expect(abs(Double(y[0]) - g0 / (1 + exp(-g0)) * u0) < 1e-6)
        let d = withBuffers([[Float](repeating: 0, count: n * 2 * f), dy, gu]) { p in
            swigluBackward(dGateUp: p[0], dout: p[1], gateUp: p[2], n: n, f: f)
        }[0]
        #expect(gradientError(d, numericGradient(&gu) { weightedSum(forward($0), dy) }) < 2e-3)
    }

    @Test func embeddingGradientsSumRepeatedIds() {
        var rng = TestRNG(seed: 5)
        let (v, c) = (6, 4)
        let ids: [Int32] = [2, 5, 2, 0]
        var table = rng.normals(v * c)
        let dy = rng.normals(ids.count * c)
        func forward(_ t: [Float]) -> [Float] {
            withBuffers([[Float](repeating: 0, count: ids.count * c), t]) { p in
                ids.withUnsafeBufferPointer { embeddingForward(p[0], ids: $0.baseAddress!, table: p[1], n: ids.count, c: c) }
            }[0]
        }
        #expect(Array(forward(table)[4..<8]) == Array(table[20..<24]))
        let d = withBuffers([[Float](repeating: 0, count: v * c), dy]) { p in
            ids.withUnsafeBufferPointer { embeddingBackward(dtable: p[0], dout: p[1], ids: $0.baseAddress!, n: ids.count, c: c) }
        }[0]
        #expect(gradientError(d, numericGradient(&table) { weightedSum(forward($0), dy) }) < 2e-3)
    }
}
