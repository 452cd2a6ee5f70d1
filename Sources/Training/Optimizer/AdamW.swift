// AdamW (Loshchilov & Hutter 2019, arXiv 1711.05101) on one flat Float buffer, with exactly the
// update order and bias correction of torch.optim.AdamW (single-tensor path):
//
//   p ← p·(1 − lr·wd)                                  decoupled weight decay, applied first
//   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
//
// Parameters, gradients, m and v share one layout (llm.c `adamw_update`), so the update is one
// elementwise loop. It runs in fixed chunks on `Threads.count` workers; every element's arithmetic is
// independent of the chunking, so results are bit-identical for any thread count.
// Legend: P = number of parameters in the flat buffer.
import Foundation
import Tensor

public final class AdamW {
    /// Hyperparameters (torch.optim.AdamW names; torch defaults except weight decay, which is the
    /// usual 0.01 — pass 0 for plain Adam).
    public struct Parameters: Codable, Equatable, Sendable {
        public var beta1 = 0.9
        public var beta2 = 0.999
        public var eps = 1e-8
        public var weightDecay = 0.01

        public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0.01) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
        }

        public func validate() throws {
            let checks: [(String, Double, Bool, String)] = [
                ("beta1", beta1, beta1 >= 0 && beta1 < 1, "0 ≤ β1 < 1, e.g. 0.9"),
                ("beta2", beta2, beta2 >= 0 && beta2 < 1, "0 ≤ β2 < 1, e.g. 0.999"),
                ("eps", eps, eps > 0, "> 0, e.g. 1e-8"),
                ("weightDecay", weightDecay, weightDecay >= 0, "≥ 0, e.g. 0.01"),
            ]
            for (name, value, ok, expected) in checks where !(ok && value.isFinite) {
                throw ObjectiveError.invalidParameter(name: name, value: value, expected: expected)
            }
        }
    }

    public let count: Int
    public let parameters: Parameters
    /// Number of updates taken (torch's `state["step"]`); the next update uses step + 1.
    public internal(set) var step = 0
    /// Ranges of the flat buffer that get no weight decay (norm gains, biases: nanoGPT's
    /// "no decay" parameter group). Everything else decays.
    public var noDecay: [Range<Int>] = []
    /// (P) first and second moments.
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>

    public init(count: Int, parameters: Parameters = Parameters()) throws {
        try parameters.validate()
        guard count >= 0 else { throw ObjectiveError.invalidParameter(name: "count", value: Double(count), expected: "≥ 0") }
        self.count = count
        self.parameters = parameters
        m = .allocate(capacity: max(count, 1))
        v = .allocate(capacity: max(count, 1))
        m.initialize(repeating: 0, count: max(count, 1))
        v.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// Elements per parallel chunk: fixed, so chunk boundaries never depend on the core count.
    static let chunk = 1 << 16

    /// One update of `params` (P) from `grads` (P) at learning rate `lr`.
    public func update(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, lr: Double) {
        step += 1
        let t = Double(step)
        let b1 = parameters.beta1, b2 = parameters.beta2
        // Scalars in Double as torch computes them in Python, rounded once to Float.
        let negStepSize = Float(-lr / (1 - pow(b1, t)))
        let bc2Sqrt = Float((1 - pow(b2, t)).squareRoot())
        let decay = Float(1 - lr * parameters.weightDecay)
        let oneMinusB1 = Float(1 - b1), fb2 = Float(b2), oneMinusB2 = Float(1 - b2)
        let eps = Float(parameters.eps)
        let decayMask = decayRuns()
        let m = self.m, v = self.v, n = count
        let chunks = (n + Self.chunk - 1) / Self.chunk
        parallelFor(chunks) { c in
            let lo = c * Self.chunk, hi = min(n, lo + Self.chunk)
            for (range, decays) in decayMask where range.upperBound > lo && range.lowerBound < hi {
                for i in max(lo, range.lowerBound)..<min(hi, range.upperBound) {
                    let g = grads[i]
                    var p = params[i]
                    if decays { p *= decay }
                    let mi = m[i] + oneMinusB1 * (g - m[i])    // torch lerp_(grad, 1 − β1)
                    let vi = fb2 * v[i] + oneMinusB2 * g * g
                    m[i] = mi
                    v[i] = vi
                    params[i] = p + (negStepSize * mi) / (vi.squareRoot() / bc2Sqrt + eps)  // torch addcdiv_
                }
            }
        }
    }

    /// [0, P) cut into consecutive runs with their weight-decay flag.
    private func decayRuns() -> [(Range<Int>, Bool)] {
        let cuts = noDecay.map { $0.clamped(to: 0..<count) }.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var runs: [(Range<Int>, Bool)] = []
        var at = 0
        for r in cuts {
            if r.lowerBound > at { runs.append((at..<r.lowerBound, true)) }
            if r.upperBound > at { runs.append((max(at, r.lowerBound)..<r.upperBound, false)) }
            at = max(at, r.upperBound)
        }
        if at < count { runs.append((at..<count, true)) }
        return runs
    }
}
