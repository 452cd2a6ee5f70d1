import Foundation
import Testing
@testable import Tensor

/// The decode-time matmul kernels against a plain Double triple loop.
@Suite struct SmallMatmulTests {
    /// out[r, o] (+)= Σ_k inp[r, k]·w[o, k], in Double, with row strides.
    func reference(_ inp: [Float], _ w: [Float], out: [Float], m: Int, c: Int, oc: Int,
                   ldInp: Int, ldOut: Int, accumulate: Bool) -> [Double] {
        var y = out.map(Double.init)
        for r in 0..<m {
            for o in 0..<oc {
                let s = (0..<c).reduce(0.0) { $0 + Double(inp[r * ldInp + $1]) * Double(w[o * c + $1]) }
                y[r * ldOut + o] = (accumulate ? y[r * ldOut + o] : 0) + s
            }
        }
        return y
    }

    @Test(arguments: [(1, 8, 4), (2, 37, 7), (3, 64, 13), (5, 576, 9), (16, 40, 21), (3, 64, 401)])
    func matchesReference(m: Int, c: Int, oc: Int) {
        var rng = TestRNG(seed: UInt64(m * 1000 + c * 10 + oc))
        // Strided input and output (as when writing a column slice of a fused row).
        let ldInp = c + 3, ldOut = oc + 5
        let inp = rng.normals(m * ldInp), w = rng.normals(oc * c), out0 = rng.normals(m * ldOut)
        for accumulate in [false, true] {
            let out = withBuffers([out0, inp, w]) { p in
                smallMatmulForward(p[0], p[1], p[2], m: m, c: c, oc: oc, accumulate: accumulate, ldOut: ldOut, ldInp: ldInp)
            }[0]
            let ref = reference(inp, w, out: out0, m: m, c: c, oc: oc, ldInp: ldInp, ldOut: ldOut, accumulate: accumulate)
            let tolerance = 1e-5 * Double(c).squareRoot() * 4
            #expect(zip(out, ref).allSatisfy { abs(Double($0) - $1) < tolerance }, "m \(m) c \(c) oc \(oc) accumulate \(accumulate)")
            // Padding columns beyond OC are left alone.
            for r in 0..<m { #expect(Array(out[(r * ldOut + oc)..<((r + 1) * ldOut)]) == Array(out0[(r * ldOut + oc)..<((r + 1) * ldOut)])) }
        }
    }

    @Test func aRowsResultDoesNotDependOnItsBatch() {
        // Batched samples must decode like single ones: every row goes through the same
        // operations whether it is paired in the 4×2 tile or alone.
        var rng = TestRNG(seed: 42)
        let m = 5, c = 96, oc = 300
        let inp = rng.normals(m * c), w = rng.normals(oc * c)
        let batch = withBuffers([[Float](repeating: 0, count: m * oc), inp, w]) { p in
            smallMatmulForward(p[0], p[1], p[2], m: m, c: c, oc: oc)
        }[0]
        for r in 0..<m {
            let single = withBuffers([[Float](repeating: 0, count: oc), Array(inp[(r * c)..<((r + 1) * c)]), w]) { p in
                smallMatmulForward(p[0], p[1], p[2], m: 1, c: c, oc: oc)
            }[0]
            #expect(single == Array(batch[(r * oc)..<((r + 1) * oc)]), "row \(r)")
        }
    }
}
