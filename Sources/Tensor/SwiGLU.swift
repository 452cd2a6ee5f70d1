// SwiGLU feed-forward gate (Shazeer 2020, arXiv 2002.05202): out = silu(gate) ⊙ up with
// silu(g) = g·σ(g). gate and up come from one fused GEMM, so a row of `gateUp` is
// [gate (F) | up (F)].

import Foundation

/// out (N,F) ← gateUp (N,2F).
public func swigluForward(_ out: UnsafeMutablePointer<Float>, _ gateUp: UnsafePointer<Float>, n: Int, f: Int) {
    parallelFor(n) { row in
        let g = gateUp + row * 2 * f, u = g + f, y = out + row * f
        for i in 0..<f {
            let sig = 1 / (1 + expf(-g[i]))
            y[i] = g[i] * sig * u[i]
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
        for i in 0..<f {
            let sig = 1 / (1 + expf(-g[i]))
            let silu = g[i] * sig
            dg[i] = dy[i] * u[i] * sig * (1 + g[i] * (1 - sig))
            du[i] = dy[i] * silu
        }
    }
}
