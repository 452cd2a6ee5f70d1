// Seeded, reproducible random numbers for initialization, dropout and sampling.
//
// Generator: xoshiro256** (Blackman & Vigna, "Scrambled Linear Pseudorandom Number
// Generators", 2018; reference C at https://prng.di.unimi.it/xoshiro256starstar.c).
// Its 256-bit state is seeded from one 64-bit seed through SplitMix64, as the authors
// recommend, so nearby seeds (0, 1, 2, …) give unrelated streams.
//
// The whole state — including the spare normal deviate that Box-Muller produces in
// pairs — is Codable, so a training checkpoint can save it and a resumed run draws
// exactly the numbers the uninterrupted run would have drawn.

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): used to expand a 64-bit seed into generator state.
public struct SplitMix64: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** with uniform and normal helpers. A value type: copying it copies the
/// stream, so hand each consumer its own `split()` rather than sharing one.
public struct SeededRandom: RandomNumberGenerator, Codable, Equatable, Sendable {
    public private(set) var s0: UInt64
    public private(set) var s1: UInt64
    public private(set) var s2: UInt64
    public private(set) var s3: UInt64
    /// The second deviate of the last Box-Muller pair, not yet returned.
    public private(set) var spareNormal: Float?

    /// Seeds the 256-bit state from `seed` through SplitMix64 (never all zero).
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
        spareNormal = nil
    }

    /// Stream number `stream` of `seed`: an independent generator per sample, per layer,
    /// per worker, that does not depend on how many numbers other streams drew.
    public init(seed: UInt64, stream: UInt64) {
        var mix = SplitMix64(seed: seed)
        let base = mix.next()
        self.init(seed: base ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    /// Raw state, for tests against the reference implementation.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
        spareNormal = nil
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every Float in the grid 2^-24 · k).
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal deviate by the Box-Muller transform (pairs; the second is kept).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // u1 in (0, 1] so log(u1) is finite.
        let u1 = 1.0 - nextDouble()
        let u2 = nextDouble()
        let r = (-2.0 * _log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        spareNormal = Float(r * _sin(theta))
        return Float(r * _cos(theta))
    }

    /// Fills `buffer` with uniform values in [low, high).
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        let width = high - low
        for i in buffer.indices { buffer[i] = low + width * nextFloat() }
    }

    /// Fills `buffer` with normal values of the given mean and standard deviation.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        for i in buffer.indices { buffer[i] = mean + std * nextNormal() }
    }

    /// A new generator, independent of this one, that advances this one by one draw.
    /// Use to hand out streams in a fixed order (layer 0, layer 1, …).
    public mutating func split() -> SeededRandom { SeededRandom(seed: next()) }

    /// Advances the state by 2^128 draws (reference `jump()`): 2^128 non-overlapping
    /// subsequences for parallel workers.
    public mutating func jump() {
        let table: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C,
                               0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        for word in table {
            for bit in 0..<64 {
                if word & (UInt64(1) << UInt64(bit)) != 0 {
                    t0 ^= s0; t1 ^= s1; t2 ^= s2; t3 ^= s3
                }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = (t0, t1, t2, t3)
        spareNormal = nil
    }
}

// Foundation-free libm access (Tensor keeps to the standard library and cblas).
#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
