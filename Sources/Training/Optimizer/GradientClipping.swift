// Global gradient-norm clipping over several buffers, as torch.nn.utils.clip_grad_norm_:
//   norm = √(Σ_buffers Σ_i g_i²),  coefficient = min(1, maxNorm / (norm + 1e-6)),  g ← g·coefficient
// The sum of squares is taken in Double over fixed chunks combined in order, so the norm is
// the same for any thread count (torch sums in fp32 per tensor; Double is the more accurate).
import Foundation
import Tensor

public enum GradientClipping {
    /// Elements per parallel chunk: fixed, so the reduction order never depends on the core count.
    static let chunk = 1 << 16

    /// L2 norm over all entries of all buffers.
    public static func globalNorm(_ buffers: [UnsafeMutableBufferPointer<Float>]) -> Double {
        var total = 0.0
        for buffer in buffers where buffer.count > 0 {
            let base = buffer.baseAddress!, n = buffer.count
            let chunks = (n + chunk - 1) / chunk
            let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
            defer { partial.deallocate() }
            parallelFor(chunks) { c in
                var s = 0.0
                for i in (c * chunk)..<min(n, (c + 1) * chunk) {
                    let g = Double(base[i])
                    s += g * g
                }
                partial[c] = s
            }
            for c in 0..<chunks { total += partial[c] }
        }
        return total.squareRoot()
    }

    /// Scales the buffers in place so their global norm is at most `maxNorm`; returns the norm
    /// before clipping and the coefficient applied. A non-finite norm (an overflow or NaN in the
    /// gradients) leaves the buffers untouched: check `norm.isFinite` and skip that step.
    @discardableResult
    public static func clip(_ buffers: [UnsafeMutableBufferPointer<Float>], maxNorm: Double)
        -> (norm: Double, coefficient: Double)
    {
        let norm = globalNorm(buffers)
        guard norm.isFinite else { return (norm, 1) }
        let coefficient = min(1, maxNorm / (norm + 1e-6))
        guard coefficient < 1 else { return (norm, 1) }
        let scale = Float(coefficient)
        for buffer in buffers where buffer.count > 0 {
            let base = buffer.baseAddress!, n = buffer.count
            parallelFor((n + chunk - 1) / chunk) { c in
                for i in (c * chunk)..<min(n, (c + 1) * chunk) { base[i] *= scale }
            }
        }
        return (norm, coefficient)
    }
}
