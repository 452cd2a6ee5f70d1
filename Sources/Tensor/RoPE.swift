// Rotary position embedding (Su et al. 2021, arXiv 2104.09864) in the Hugging Face
// "rotate_half" layout: inside a head of dimension D, element i pairs with i + D/2;
// inv_freq[i] = θ^(−2i/D); angle = position · inv_freq[i];
// x' = x·cos + rotate_half(x)·sin with rotate_half(x) = [−x[D/2:], x[:D/2]].
// (llama.cpp's GGUF converter permutes q/k rows into an adjacent-pair layout instead; the
// loader undoes that so this one layout serves both file formats.)

import Foundation

/// How the inverse frequencies θ^(−2i/D) are rescaled for long contexts (transformers
/// `ROPE_INIT_FUNCTIONS`): `linear` divides every one by the factor; `llama3` (Llama 3.1+)
/// divides the low frequencies (wavelength above original/lowFreqFactor) by the factor,
/// keeps the high ones (below original/highFreqFactor) and blends in between.
public enum RoPEScaling: Sendable, Equatable, Codable {
    case none
    case linear(factor: Double)
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalContext: Double)

    /// The scaled inverse frequency of pair i of a head of dimension `headDim`.
    public func inverseFrequency(_ i: Int, headDim: Int, theta: Double) -> Double {
        let base = pow(theta, -Double(2 * i) / Double(headDim))
        switch self {
        case .none: return base
        case let .linear(factor): return base / factor
        case let .llama3(factor, low, high, original):
            let wavelength = 2 * Double.pi / base
            if wavelength < original / high { return base }
            if wavelength > original / low { return base / factor }
            let smooth = (original / wavelength - low) / (high - low)
            return (1 - smooth) * base / factor + smooth * base
        }
    }
}

/// Precomputed cos/sin tables, (P, D/2) each, for positions 0..<P.
public final class RoPETable: @unchecked Sendable {
    public let headDim: Int
    public let theta: Double
    public let scaling: RoPEScaling
    /// Per-pair divisors of the frequencies read from a GGUF `rope_freqs` tensor (llama.cpp's
    /// form of Llama 3 scaling), applied instead of `scaling` when present.
    public let frequencyDivisors: [Float]?
    public private(set) var positions: Int
    public private(set) var cos: [Float]
    public private(set) var sin: [Float]

    public init(headDim: Int, theta: Double, positions: Int, scaling: RoPEScaling = .none, frequencyDivisors: [Float]? = nil) {
        self.headDim = headDim
        self.theta = theta
        self.scaling = scaling
        self.frequencyDivisors = frequencyDivisors
        self.positions = 0
        cos = []
        sin = []
        ensure(positions)
    }

    /// Extends the tables to cover positions 0..<n (angles computed in Double).
    public func ensure(_ n: Int) {
        guard n > positions else { return }
        let half = headDim / 2
        var c = [Float](repeating: 0, count: n * half), s = c
        let inverse = (0..<half).map { i in
            frequencyDivisors.map { pow(theta, -Double(2 * i) / Double(headDim)) / Double($0[i]) }
                ?? scaling.inverseFrequency(i, headDim: headDim, theta: theta)
        }
        for p in 0..<n {
            for i in 0..<half {
                let invFreq = inverse[i]
                let angle = Double(p) * invFreq
                c[p * half + i] = Float(Foundation.cos(angle))
                s[p * half + i] = Float(Foundation.sin(angle))
            }
        }
        cos = c
        sin = s
        positions = n
    }
}

/// In-place rotation of `heads` heads of dimension D in each of N rows.
/// x: row r starts at x + r·ld, head h at + h·D; positions (N) gives each row's position.
/// `inverse` rotates by −angle, which is exactly the backward (the rotation is orthogonal):
/// dx1 = dy1·cos + dy2·sin, dx2 = dy2·cos − dy1·sin.
public func ropeApply(
    _ x: UnsafeMutablePointer<Float>, ld: Int, n: Int, heads: Int,
    positions: UnsafePointer<Int32>, table: RoPETable, inverse: Bool = false
) {
    let d = table.headDim, half = d / 2
    let sign: Float = inverse ? -1 : 1
    table.cos.withUnsafeBufferPointer { cosTable in
        table.sin.withUnsafeBufferPointer { sinTable in
            let cosBase = cosTable.baseAddress!, sinBase = sinTable.baseAddress!
            parallelFor(n) { row in
                let p = Int(positions[row])
                precondition(p < table.positions, "position \(p) beyond the RoPE table (\(table.positions))")
                let cs = cosBase + p * half, sn = sinBase + p * half
                for h in 0..<heads {
                    let v = x + row * ld + h * d
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        let s = sign * sn[i]
                        v[i] = a * cs[i] - b * s
                        v[i + half] = b * cs[i] + a * s
                    }
                }
            }
        }
    }
}

/// Forward: x (N, ld) rotated in place by each row's position.
@inlinable
public func ropeForward(
    _ x: UnsafeMutablePointer<Float>, ld: Int, n: Int, heads: Int,
    positions: UnsafePointer<Int32>, table: RoPETable
) {
    ropeApply(x, ld: ld, n: n, heads: heads, positions: positions, table: table)
}

/// Backward: turns dy (gradient w.r.t. the rotated x) into dx in place.
@inlinable
public func ropeBackward(
    _ dx: UnsafeMutablePointer<Float>, ld: Int, n: Int, heads: Int,
    positions: UnsafePointer<Int32>, table: RoPETable
) {
    ropeApply(dx, ld: ld, n: n, heads: heads, positions: positions, table: table, inverse: true)
}
