// Linear layers through OpenBLAS sgemm (opened by CHost with this CPU's kernels). Weights are PyTorch-style [OC, C] row-major, so the
// forward is y = x·Wᵀ (llm.c `matmul_forward`), and the backward is dX += dY·W and
// dW += dYᵀ·X (llm.c `matmul_backward`), each one sgemm over all N = B·T rows.

import CHost

/// Row-major C = alpha·op(A)·op(B) + beta·C with explicit leading dimensions, for callers
/// that address column slices of a fused buffer (e.g. q/k/v inside one qkv row).
/// op(A) is (M,K), op(B) is (K,Ncols), C is (M,Ncols).
@inlinable
public func gemm(
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
    rounds_sgemm(
        transA ? 1 : 0, transB ? 1 : 0,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
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
