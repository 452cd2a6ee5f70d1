// SwiGLU feed-forward gate (Shazeer 2020, arXiv 2002.05202): out = silu(gate) ⊙ up with
// silu(g) = g·σ(g). gate and up come from one fused GEMM, so a row of `gateUp` is
// [gate (F) | up (F)].

/// out (N,F) ← gateUp (N,2F).
public func swigluForward(_ out: UnsafeMutablePointer<Float>, _ gateUp: UnsafePointer<Float>, n: Int, f: Int) {
    parallelFor(n) { row in
        let g = gateUp + row * 2 * f, u = g + f, y = out + row * f
        var i = 0
        while i + 8 <= f {
            let gv = load8(g + i)
            store8(gv / (1 + expApprox(-gv)) * load8(u + i), y + i)
            i += 8
        }
        while i < f {
            y[i] = g[i] / (1 + expApprox(-g[i])) * u[i]
            i += 1
        }
    }
}

/// dGateUp (N,2F) = ∂L/∂gateUp (overwritten, not accumulated: it is a scratch activation
/// gradient) from dout (N,F): d gate = dy·u·σ(g)·(1 + g·(1 − σ(g))), d up = dy·silu(g).
public func swigluBackward(
    dGateUp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, gateUp: UnsafePointer<Float>, n: Int, f: Int
) {
    parallelFor(n) { row in
        let g = gateUp + row * 2 * f, u = g + f, dy = dout + row * f
        let dg = dGateUp + row * 2 * f, du = dg + f
        var i = 0
        while i + 8 <= f {
            let gv = load8(g + i), dyv = load8(dy + i)
            let sig = 1 / (1 + expApprox(-gv))
            store8(dyv * load8(u + i) * sig * (1 + gv * (1 - sig)), dg + i)
            store8(dyv * gv * sig, du + i)
            i += 8
        }
        while i < f {
            let sig = 1 / (1 + expApprox(-g[i]))
            dg[i] = dy[i] * u[i] * sig * (1 + g[i] * (1 - sig))
            du[i] = dy[i] * g[i] * sig
            i += 1
        }
    }
}
