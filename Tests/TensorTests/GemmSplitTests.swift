import Foundation
import Testing
@testable import Tensor

/// `gemm` splits big products across the kernels' workers (`BLASSplit`); every split must give
/// the product a plain Double triple loop gives, for each transposition, with strided operands
/// and C written only inside its (M, Ncols) window.
@Suite(.serialized) struct GemmSplitTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func splitProductsMatchTheReference(transA: Bool, transB: Bool) {
        // (M, N, K): rows longer than columns, columns longer than rows, odd sizes, below the
        // split threshold.
        for (m, n, k) in [(257, 48, 160), (40, 301, 200), (129, 129, 131), (8, 9, 10)] {
            var rng = TestRNG(seed: UInt64(m * 7 + n * 3 + k) + (transA ? 1 : 0) + (transB ? 2 : 0))
            let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5
            let a = rng.normals((transA ? k : m) * lda), b = rng.normals((transB ? n : k) * ldb)
            let c0 = rng.normals(m * ldc)
            let opA = { (i: Int, p: Int) in Double(transA ? a[p * lda + i] : a[i * lda + p]) }
            let opB = { (p: Int, j: Int) in Double(transB ? b[j * ldb + p] : b[p * ldb + j]) }
            for beta: Float in [0, 1] {
                let split = BLASSplit(m: m, n: n, k: k)
                let c = withBuffers([c0, a, b]) { p in
                    gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: p[1], lda: lda,
                         b: p[2], ldb: ldb, beta: beta, c: p[0], ldc: ldc)
                }[0]
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<ldc {
                        let got = Double(c[i * ldc + j])
                        if j >= n {
                            #expect(got == Double(c0[i * ldc + j]), "padding column \(j) of row \(i) was written")
                            continue
                        }
                        let dot = (0..<k).reduce(0.0) { $0 + opA(i, $1) * opB($1, j) }
                        let want = 0.5 * dot + Double(beta) * Double(c0[i * ldc + j])
                        worst = max(worst, abs(got - want))
                    }
                }
                #expect(worst < 1e-4 * Double(k).squareRoot(),
                        "m \(m) n \(n) k \(k) transA \(transA) transB \(transB) beta \(beta) blocks \(split.blocks): error \(worst)")
            }
        }
    }

    @Test func theSplitCoversEveryRowOrColumnOnceInWholeMicroKernelWidths() {
        for (m, n, k) in [(1024, 576, 576), (576, 1024, 1024), (49152, 576, 64), (33, 2000, 500), (100, 100, 100)] {
            let split = BLASSplit(m: m, n: n, k: k)
            let length = split.alongRows ? m : n
            let parts = (0..<split.blocks).map(split.range)
            #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == length)
            for (left, right) in zip(parts, parts.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
            for part in parts.dropLast() { #expect(part.count % 16 == 0, "block \(part) of \(length)") }
            #expect(split.blocks <= max(1, Threads.count))
        }
        #expect(BLASSplit(m: 8, n: 9, k: 10).blocks == 1)
    }
}
