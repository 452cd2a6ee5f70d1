// Linear layers through OpenBLAS sgemm (opened by CHost with this CPU's kernels). Weights are PyTorch-style [OC, C] row-major, so the
// forward is y = x·Wᵀ (llm.c `matmul_forward`), and the backward is dX += dY·W and
// dW += dYᵀ·X (llm.c `matmul_backward`), each one sgemm over all N = B·T rows.

import CHost
import Foundation

/// Row-major C = alpha·op(A)·op(B) + beta·C with explicit leading dimensions, for callers
/// that address column slices of a fused buffer (e.g. q/k/v inside one qkv row).
/// op(A) is (M,K), op(B) is (K,Ncols), C is (M,Ncols).
///
/// OpenBLAS runs single-threaded (`Threads.set`); a product big enough to share is split here
/// into `Threads.count` blocks of C (`BLASSplit`) run on the kernels' own workers. OpenBLAS's
/// own threads hand work over with `sched_yield` loops, and on a machine running anything else
/// each hand-over can give a time slice away: measured on a 2-core AVX-512 Xeon with other
/// processes at nice 19, a full fine-tuning step ran at 61–74 tokens/s with 2 OpenBLAS threads
/// and 110–122 with one.
@inlinable
public func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let split = BLASSplit(m: m, n: n, k: k)
    guard m > 0, n > 0, k > 0, split.blocks > 1 else {
        serialGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
        return
    }
    parallelFor(split.blocks) { block in
        let part = split.range(block)
        guard !part.isEmpty else { return }
        if split.alongRows {
            // Rows of op(A) and of C.
            let aPart = transA ? a + part.lowerBound : a + part.lowerBound * lda
            serialGemm(transA: transA, transB: transB, m: part.count, n: n, k: k, alpha: alpha, a: aPart, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c + part.lowerBound * ldc, ldc: ldc)
        } else {
            // Columns of op(B) and of C.
            let bPart = transB ? b + part.lowerBound * ldb : b + part.lowerBound
            serialGemm(transA: transA, transB: transB, m: m, n: part.count, k: k, alpha: alpha, a: a, lda: lda,
                       b: bPart, ldb: ldb, beta: beta, c: c + part.lowerBound, ldc: ldc)
        }
    }
}

/// `gemm` as one product on the calling thread (no split across workers): for kernels that
/// already run their items in parallel, and for each block of a split product.
@inlinable
public func serialGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if beta == 0 { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
        return
    }
    rounds_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                 b, Int32(ldb), beta, c, Int32(ldc))
}

/// How `gemm` shares one product between the kernels' workers: not at all below about 4 MFLOP
/// (a hand-over costs more than it saves); otherwise one block of
/// C's rows or columns (whichever dimension is longer, in multiples of 16 so every block keeps
/// OpenBLAS's full-width micro-kernel) for each worker.
public struct BLASSplit {
    public let blocks: Int
    public let alongRows: Bool
    @usableFromInline let length: Int
    @usableFromInline let step: Int

    @inlinable
    public init(m: Int, n: Int, k: Int) {
        alongRows = m >= n
        length = alongRows ? m : n
        let workers = BLASSplit.openBLASThreads ? 1 : Threads.count
        let big = 2 * m * n * k >= 4_000_000 && length >= 32
        blocks = big ? min(workers, length / 16) : 1
        step = ((length + blocks - 1) / blocks + 15) / 16 * 16
    }

    @inlinable
    public func range(_ block: Int) -> Range<Int> {
        let start = min(length, block * step)
        return start..<min(length, start + step)
    }

    /// `ROUNDS_BLAS_THREADS=openblas` gives the threads back to OpenBLAS (for comparing the two
    /// on a machine); otherwise OpenBLAS runs one thread and `gemm` splits.
    public static let openBLASThreads = ProcessInfo.processInfo.environment["ROUNDS_BLAS_THREADS"] == "openblas"
}

/// out (N,OC) = inp (N,C) · weight (OC,C)ᵀ, or `+=` when `accumulate`.
/// `ldOut` lets the output be a column slice of a wider row (defaults to OC).
@inlinable
public func matmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    n: Int, c: Int, oc: Int, accumulate: Bool = false, ldOut: Int? = nil, ldInp: Int? = nil
) {
    gemm(transA: false, transB: true, m: n, n: oc, k: c, a: inp, lda: ldInp ?? c, b: weight, ldb: c,
         beta: accumulate ? 1 : 0, c: out, ldc: ldOut ?? oc)
}

/// Backward of `matmulForward`: dinp (N,C) += dout (N,OC) · weight (OC,C) and
/// dweight (OC,C) += doutᵀ · inp. Pass nil to skip either (frozen weights skip dweight).
@inlinable
public func matmulBackward(
    dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    n: Int, c: Int, oc: Int, ldDout: Int? = nil, ldInp: Int? = nil, ldDinp: Int? = nil
) {
    let ldo = ldDout ?? oc
    if let dinp {
        gemm(transA: false, transB: false, m: n, n: c, k: oc, a: dout, lda: ldo, b: weight, ldb: c,
             beta: 1, c: dinp, ldc: ldDinp ?? c)
    }
    if let dweight {
        gemm(transA: true, transB: false, m: oc, n: c, k: n, a: dout, lda: ldo, b: inp, ldb: ldInp ?? c,
             beta: 1, c: dweight, ldc: c)
    }
}
