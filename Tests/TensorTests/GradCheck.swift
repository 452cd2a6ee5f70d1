import Foundation
@testable import Tensor

/// Deterministic normal test inputs from the package's seeded generator.
typealias TestRNG = SeededRandom

extension SeededRandom {
    mutating func normals(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in nextNormal() * scale } }
}

/// Σ w·y accumulated in Double: the scalar whose gradient the checks compare.
func weightedSum(_ y: [Float], _ w: [Float]) -> Double {
    zip(y, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Central finite differences of `loss` with respect to every element of `x`.
func numericGradient(_ x: inout [Float], eps: Float = 1e-3, _ loss: ([Float]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let saved = x[i]
        x[i] = saved + eps
        let plus = loss(x)
        x[i] = saved - eps
        let minus = loss(x)
        x[i] = saved
        g[i] = (plus - minus) / (2 * Double(eps))
    }
    return g
}

/// Largest |analytic − numeric| relative to the largest |numeric| (floored at 1e-3 so an
/// all-zero gradient must also be matched closely).
func gradientError(_ analytic: [Float], _ numeric: [Double]) -> Double {
    precondition(analytic.count == numeric.count)
    let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
    var worst = 0.0
    for (a, n) in zip(analytic, numeric) { worst = max(worst, abs(Double(a) - n)) }
    return worst / scale
}

/// Runs `body` with mutable pointers to copies of the arrays and returns the copies.
func withBuffers(_ arrays: [[Float]], _ body: ([UnsafeMutablePointer<Float>]) -> Void) -> [[Float]] {
    let buffers = arrays.map { FloatBuffer($0) }
    body(buffers.map(\.pointer))
    return buffers.map { $0.array() }
}
