import FeedbackStore
import Foundation

/// The world of `rounds-bench active`: answers described by feature vectors, a hidden rule
/// that says which of two answers is better (the sign of w*·(xA − xB) for a secret unit
/// vector w*), scripted reviewers who follow the rule with logistic noise, and a small
/// reward model (linear Bradley–Terry r(x) = w·x, fitted by Newton's method with an L2
/// penalty) trained on the ratings so far. Held-out pair accuracy is the share of held-out
/// pairs on which the reward model picks the answer the rule prefers.
struct ActiveWorld {
    let dimensions: Int
    /// The hidden rule's direction (unit length).
    let rule: [Double]
    /// Reviewer noise: a reviewer prefers A with probability σ(w*·(xA − xB) / noise).
    let noise: Double
    /// Held-out pairs: feature differences xA − xB.
    let heldOut: [[Double]]

    init(dimensions: Int, noise: Double, heldOutPairs: Int, rng: inout SeededGenerator) {
        self.dimensions = dimensions
        self.noise = noise
        var w = (0..<dimensions).map { _ in Self.gaussian(&rng) }
        let norm = sqrt(w.reduce(0) { $0 + $1 * $1 })
        w = w.map { $0 / norm }
        rule = w
        var pairs: [[Double]] = []
        for _ in 0..<heldOutPairs {
            let a = Self.answer(dimensions, &rng), b = Self.answer(dimensions, &rng)
            pairs.append(zip(a, b).map { $0 - $1 })
        }
        heldOut = pairs
    }

    /// One answer's features: standard normal.
    static func answer(_ dimensions: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<dimensions).map { _ in gaussian(&rng) }
    }

    static func gaussian(_ rng: inout SeededGenerator) -> Double {
        let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// A scripted reviewer's verdict on A (features a) against B (features b): true = A.
    func reviewerPrefersA(_ a: [Double], _ b: [Double], _ rng: inout SeededGenerator) -> Bool {
        let margin = Self.dot(rule, zip(a, b).map { $0 - $1 })
        let p = 1 / (1 + exp(-margin / noise))
        return Double(rng.next() >> 11) / Double(1 << 53) < p
    }

    /// Share of held-out pairs the weights order as the rule does (a zero margin counts half).
    func heldOutAccuracy(_ weights: [Double]) -> Double {
        var right = 0.0
        for d in heldOut {
            let truth = Self.dot(rule, d), model = Self.dot(weights, d)
            if model == 0 { right += 0.5 } else if (truth > 0) == (model > 0) { right += 1 }
        }
        return right / Double(heldOut.count)
    }

    /// Bradley–Terry weights from rated differences (d = x_preferred − x_other): minimises
    /// Σ log(1 + exp(−w·d)) + λ/2 |w|² by Newton's method (the loss is convex).
    static func fit(_ differences: [[Double]], dimensions: Int, lambda: Double = 1, iterations: Int = 25) -> [Double] {
        var w = [Double](repeating: 0, count: dimensions)
        guard !differences.isEmpty else { return w }
        for _ in 0..<iterations {
            var gradient = w.map { lambda * $0 }
            var hessian = (0..<dimensions).map { i in (0..<dimensions).map { j in i == j ? lambda : 0.0 } }
            for d in differences {
                let p = 1 / (1 + exp(-dot(w, d)))           // probability of the observed preference
                let g = p - 1, h = p * (1 - p)
                for i in 0..<dimensions {
                    gradient[i] += g * d[i]
                    for j in 0..<dimensions { hessian[i][j] += h * d[i] * d[j] }
                }
            }
            let step = solve(hessian, gradient)
            w = zip(w, step).map { $0 - $1 }
            if step.reduce(0, { max($0, abs($1)) }) < 1e-10 { break }
        }
        return w
    }

    /// x with A x = b, A symmetric positive definite (Gaussian elimination, partial pivoting).
    static func solve(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
        var a = matrix, b = rhs
        let n = b.count
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let f = a[row][col] / a[col][col]
                for k in col..<n { a[row][k] -= f * a[col][k] }
                b[row] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            let rest = ((row + 1)..<n).reduce(0.0) { $0 + a[row][$1] * x[$1] }
            x[row] = (b[row] - rest) / a[row][row]
        }
        return x
    }
}
