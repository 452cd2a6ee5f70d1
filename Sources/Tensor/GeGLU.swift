// GeGLU feed-forward gate (Shazeer 2020, arXiv 2002.05202) with the tanh approximation of
// GELU, as Gemma uses it (PyTorch `gelu(approximate="tanh")`, HF "gelu_pytorch_tanh"):
//   out = gelu(gate) ⊙ up,  gelu(g) = ½·g·(1 + tanh(u)),  u = √(2/π)·(g + 0.044715·g³).
// gate and up come from one fused GEMM: a row of `gateUp` is [gate (F) | up (F)].

import Foundation

private let geluK: Float = 0.7978845608028654  // √(2/π)
private let geluC: Float = 0.044715

/// out (N,F) ← gateUp (N,2F).
public func gegluForward(_ out: UnsafeMutablePointer<Float>, _ gateUp: UnsafePointer<Float>, n: Int, f: Int) {
    parallelFor(n) { row in
        let g = gateUp + row * 2 * f, u = g + f, y = out + row * f
        for i in 0..<f {
            let x = g[i]
            let t = tanhf(geluK * (x + geluC * x * x * x))
            y[i] = 0.5 * x * (1 + t) * u[i]
        }
    }
}

/// dGateUp (N,2F) = ∂L/∂gateUp (overwritten) from dout (N,F):
/// d gate = dy·u·gelu′(g) with gelu′(g) = ½(1 + t) + ½·g·(1 − t²)·√(2/π)·(1 + 3·0.044715·g²);
/// d up = dy·gelu(g).
public func gegluBackward(
    dGateUp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, gateUp: UnsafePointer<Float>, n: Int, f: Int
) {
    parallelFor(n) { row in
        let g = gateUp + row * 2 * f, u = g + f, dy = dout + row * f
        let dg = dGateUp + row * 2 * f, du = dg + f
        for i in 0..<f {
            let x = g[i]
            let t = tanhf(geluK * (x + geluC * x * x * x))
            let gelu = 0.5 * x * (1 + t)
            let slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluK * (1 + 3 * geluC * x * x)
            dg[i] = dy[i] * u[i] * slope
            du[i] = dy[i] * gelu
        }
    }
}
