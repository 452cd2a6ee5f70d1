// Vectorised inner loops. LLVM does not reassociate Float reductions (no fast-math), so a
// plain `for` dot product runs one lane at a time; these use 8-wide SIMD with independent
// accumulators. `expApprox` is the Cephes `expf` range reduction and polynomial
// (max relative error ≈ 2e-7 on [−87, 88]), vectorised; it is what keeps the 49,152-way
// softmax and the SwiGLU sigmoids from being dominated by scalar `expf` calls.

public typealias Float8 = SIMD8<Float>

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> Float8 { UnsafeRawPointer(p).loadUnaligned(as: Float8.self) }

@inline(__always)
func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self) }

/// Σ a[i]·b[i] for i < n.
@inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = Float8(), acc1 = Float8()
    var i = 0
    while i + 16 <= n {
        acc0 += load8(a + i) * load8(b + i)
        acc1 += load8(a + i + 8) * load8(b + i + 8)
        i += 16
    }
    if i + 8 <= n {
        acc0 += load8(a + i) * load8(b + i)
        i += 8
    }
    var s = (acc0 + acc1).sum()
    while i < n {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// s[j] = scale · (q · keys[j·d ..< j·d + d]) for j < count: one query's attention scores
/// against consecutive key rows, four keys at a time sharing each load of q (`dot4x1`). Not
/// inlined: one call per query and head, where `dot` across modules was one call per key.
public func scaledDots(_ s: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float>,
                       count: Int, d: Int, scale: Float) {
    var j = 0
    while j + 4 <= count {
        let k = keys + j * d
        storeTile(dot4x1(k, k + d, k + 2 * d, k + 3 * d, q, d) * scale, s + j, false)
        j += 4
    }
    while j < count {
        s[j] = dot(q, keys + j * d, d) * scale
        j += 1
    }
}

/// y[i] += alpha · x[i] for i < n.
@inline(__always)
public func axpy(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    let a = Float8(repeating: alpha)
    while i + 8 <= n {
        store8(load8(y + i) + a * load8(x + i), y + i)
        i += 8
    }
    while i < n {
        y[i] += alpha * x[i]
        i += 1
    }
}

/// y[0..<d] = Σ_j<count w[j] · rows[j·d ..< j·d + d]: a probability-weighted sum of value
/// rows, 32 columns at a time held in registers across every row (y is written once).
@inline(__always)
public func weightedRowSum(_ y: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ rows: UnsafePointer<Float>,
                           count: Int, d: Int) {
    var c = 0
    while c + 32 <= d {
        var a0 = Float8(), a1 = Float8(), a2 = Float8(), a3 = Float8()
        var row = rows + c
        for j in 0..<count {
            let wj = Float8(repeating: w[j])
            a0 += wj * load8(row)
            a1 += wj * load8(row + 8)
            a2 += wj * load8(row + 16)
            a3 += wj * load8(row + 24)
            row += d
        }
        store8(a0, y + c); store8(a1, y + c + 8); store8(a2, y + c + 16); store8(a3, y + c + 24)
        c += 32
    }
    while c + 8 <= d {
        var a = Float8()
        for j in 0..<count { a += Float8(repeating: w[j]) * load8(rows + j * d + c) }
        store8(a, y + c)
        c += 8
    }
    while c < d {
        var a: Float = 0
        for j in 0..<count { a += w[j] * rows[j * d + c] }
        y[c] = a
        c += 1
    }
}

/// e^x lane-wise (Cephes `expf`); inputs below −87.3 give ≈ 1e-38 rather than 0.
@inline(__always)
public func expApprox(_ x: Float8) -> Float8 {
    // Clamped by lane selects: `clamped(lowerBound:upperBound:)` calls the standard library's
    // pointwiseMin/Max out of line (a call per vector in every softmax and sigmoid).
    let lo = Float8(repeating: -87.3), hi = Float8(repeating: 88.3)
    let x = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
    let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
    var y = Float8(repeating: 1.987_569_15e-4)
    y = y * r + 1.398_199_95e-3
    y = y * r + 8.333_451_9e-3
    y = y * r + 4.166_579_59e-2
    y = y * r + 0.166_666_655
    y = y * r + 0.500_000_01
    y = y * r * r + r + 1
    // 2^n built in the exponent field. n is a whole number in −126…128, so n + 1.5·2²³ is
    // exact and its bits are 0x4B40_0000 + n: an integer conversion without Swift's generic
    // SIMD Float→Int32 initializer, which is not inlined and converts lane by lane.
    let bits = (unsafeBitCast(n + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: Float8.self)
}

/// Scalar form of `expApprox` for loop tails, so every lane uses the same approximation.
@inline(__always)
public func expApprox(_ x: Float) -> Float { expApprox(Float8(repeating: x))[0] }

/// max over x[0..<n] (n ≥ 1).
@inline(__always)
public func maxElement(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    var i = 0
    if n >= 8 {
        var acc = load8(x)
        i = 8
        while i + 8 <= n {
            let v = load8(x + i)
            acc.replace(with: v, where: v .> acc)  // pointwiseMax is an out-of-line call
            i += 8
        }
        m = acc.max()
    }
    while i < n {
        m = max(m, x[i])
        i += 1
    }
    return m
}

/// Σ e^((x[i] − shift)·scale) for i < n (scale 1/T: a softmax at temperature T).
@inline(__always)
public func sumExp(_ x: UnsafePointer<Float>, _ n: Int, shift: Float, scale: Float = 1) -> Float {
    var acc = Float8()
    let s = Float8(repeating: shift), k = Float8(repeating: scale)
    var i = 0
    while i + 8 <= n {
        acc += expApprox((load8(x + i) - s) * k)
        i += 8
    }
    var total = acc.sum()
    while i < n {
        total += expApprox((x[i] - shift) * scale)
        i += 1
    }
    return total
}

/// x[i] = scale · e^(x[i] − shift) in place, for i < n.
@inline(__always)
public func scaledExpInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float, scale: Float) {
    let s = Float8(repeating: shift), k = Float8(repeating: scale)
    var i = 0
    while i + 8 <= n {
        store8(k * expApprox(load8(x + i) - s), x + i)
        i += 8
    }
    while i < n {
        x[i] = scale * expApprox(x[i] - shift)
        i += 1
    }
}

/// x[0..<n] = softmax(x[0..<n]) in place (n ≥ 1): shifted by the max, normalised by the sum.
@inline(__always)
public func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    let maxValue = maxElement(x, n)
    scaledExpInPlace(x, n, shift: maxValue, scale: 1 / sumExp(x, n, shift: maxValue))
}
