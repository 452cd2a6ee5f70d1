// Per-head RMSNorm of q and k (Qwen3, Gemma 3: `q_norm`, `k_norm` over the head dimension D,
// before RoPE) and the bias row of a Linear layer, on rows of a fused buffer with stride ld.

/// For each of N rows and each of `heads` heads of D values at x + row·ld + h·D:
/// y = x / √(mean(x²) + eps) · weight (D). Writes y into `out` (same geometry, may not alias
/// x) and 1/√(…) into rstd (N·heads).
public func headNormForward(
    _ out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, ld: Int,
    n: Int, heads: Int, d: Int, weight: UnsafePointer<Float>, eps: Float
) {
    parallelFor(n) { row in
        for h in 0..<heads {
            let v = x + row * ld + h * d, y = out + row * ld + h * d
            let r = 1 / (dot(v, v, d) / Float(d) + eps).squareRoot()
            rstd[row * heads + h] = r
            for i in 0..<d { y[i] = v[i] * r * weight[i] }
        }
    }
}

/// Backward of `headNormForward` IN PLACE: dy (the gradient of y, stride ld) becomes dx.
/// dweight (D) += Σ dy·x·r when given (serial: N·heads·D adds).
public func headNormBackward(
    _ dy: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>, ld: Int,
    n: Int, heads: Int, d: Int, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>
) {
    if let dweight {
        for row in 0..<n {
            for h in 0..<heads {
                let v = x + row * ld + h * d, g = dy + row * ld + h * d, r = rstd[row * heads + h]
                for i in 0..<d { dweight[i] += g[i] * v[i] * r }
            }
        }
    }
    parallelFor(n) { row in
        for h in 0..<heads {
            let v = x + row * ld + h * d, g = dy + row * ld + h * d, r = rstd[row * heads + h]
            var s: Float = 0
            for i in 0..<d { s += weight[i] * g[i] * v[i] }
            let k = r * r * r * s / Float(d)
            for i in 0..<d { g[i] = r * weight[i] * g[i] - k * v[i] }
        }
    }
}

/// y (N, ld) += bias (width) on the first `width` columns of every row.
public func addBias(_ y: UnsafeMutablePointer<Float>, ld: Int, n: Int, bias: UnsafePointer<Float>, width: Int) {
    parallelFor(n) { row in
        let r = y + row * ld
        for i in 0..<width { r[i] += bias[i] }
    }
}

/// dbias (width) += Σ over rows of dy (N, ld).
public func biasBackward(_ dbias: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, ld: Int, n: Int, width: Int) {
    for row in 0..<n {
        let r = dy + row * ld
        for i in 0..<width { dbias[i] += r[i] }
    }
}

/// x (N·C) *= s.
public func scaleInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, by s: Float) {
    for i in 0..<count { x[i] *= s }
}
