// RMSNorm (Zhang & Sennrich 2019, arXiv 1910.07467) as in HF `LlamaRMSNorm`:
// y = x / sqrt(mean(x²) + eps) · g. Forward saves rstd per row for the backward.

/// out (N,C), rstd (N) ← inp (N,C), weight (C).
public func rmsnormForward(
    _ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, n: Int, c: Int, eps: Float
) {
    parallelFor(n) { row in
        let x = inp + row * c, y = out + row * c
        let ss = dot(x, x, c)
        let r = 1 / (ss / Float(c) + eps).squareRoot()
        rstd[row] = r
        for i in 0..<c { y[i] = x[i] * r * weight[i] }
    }
}

/// dinp (N,C) += ∂L/∂inp and dweight (C) += ∂L/∂weight, from dout (N,C).
/// With s = Σᵢ gᵢ·dyᵢ·xᵢ: dxᵢ = r·gᵢ·dyᵢ − r³·xᵢ·s / C; dgᵢ = Σ_rows dyᵢ·xᵢ·r.
/// Pass nil `dweight` for a frozen weight.
public func rmsnormBackward(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rstd: UnsafePointer<Float>, n: Int, c: Int
) {
    parallelFor(n) { row in
        let x = inp + row * c, dy = dout + row * c, dx = dinp + row * c
        let r = rstd[row]
        var s: Float = 0
        for i in 0..<c { s += weight[i] * dy[i] * x[i] }  // C-long, once per row: negligible
        let k = r * r * r * s / Float(c)
        for i in 0..<c { dx[i] += r * weight[i] * dy[i] - k * x[i] }
    }
    guard let dweight else { return }
    // Columns are independent: each worker owns a slice of dweight, so no reduction buffer.
    parallelChunks(c) { cols in
        for row in 0..<n {
            let x = inp + row * c, dy = dout + row * c
            let r = rstd[row]
            for i in cols { dweight[i] += dy[i] * x[i] * r }
        }
    }
}
