// out (M,OC) = inp (M,C) · weight (OC,C)ᵀ for a handful of rows: the decode-time matmul,
// where M is the number of sequences advancing together (1…16).
//
// Why not sgemm: for tiny M, OpenBLAS's sgemm copies ("packs") the whole weight matrix into
// its own panel layout on every call, so each decode step moves the weights through memory
// twice and the packing alone took ~40% of a step. Decoding is bound by memory bandwidth
// (every step reads every weight once), so this kernel streams each weight row exactly once
// and reuses it, from registers/L1, for all M input rows — the same idea as llama.cpp's
// `ggml_vec_dot` loops over a weight row per output (ggml-cpu.c), with register tiling of
// 4 output channels × 2 input rows (8 accumulators of 8 lanes, 6 loads per 8 FMAs).
//
// Legend: M rows (≤ 16 in practice), C input channels, OC output channels.

/// Rows up to which callers use `smallMatmulForward`: decode batches (a review round
/// samples up to 16 sequences together). Longer prefill chunks go to sgemm, whose packing
/// pays for itself once many rows share it.
public let smallMatmulMaxRows = 16

/// out (M,OC) (= or += when `accumulate`) inp (M,C) · weight (OC,C)ᵀ, output channels
/// split across `Threads.count` workers. `ldOut`/`ldInp` are row strides (default OC, C).
public func smallMatmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    m: Int, c: Int, oc: Int, accumulate: Bool = false, ldOut: Int? = nil, ldInp: Int? = nil
) {
    guard m > 0, oc > 0 else { return }
    let ldo = ldOut ?? oc, ldi = ldInp ?? c
    // Work in tiles of 4 output channels; a worker's range of tiles is contiguous so it
    // streams one contiguous slab of the weight matrix.
    let tiles = (oc + 3) / 4
    // Below ~64K multiply-adds the thread hand-off costs more than it saves.
    let workers = m * c * oc < 65_536 ? 1 : min(Threads.count, tiles)
    let run = { (w: Int) in
        let range = chunkRange(tiles, workers: workers, index: w)
        let first = range.lowerBound * 4, last = min(range.upperBound * 4, oc)
        smallMatmulColumns(out, inp, weight, m: m, c: c, columns: first..<last,
                           accumulate: accumulate, ldOut: ldo, ldInp: ldi)
    }
    if workers == 1 {
        run(0)
    } else {
        parallelFor(workers, run)
    }
}

/// Single-threaded body of `smallMatmulForward` for output channels `columns`.
func smallMatmulColumns(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    m: Int, c: Int, columns: Range<Int>, accumulate: Bool, ldOut: Int, ldInp: Int
) {
    var o = columns.lowerBound
    while o + 4 <= columns.upperBound {
        let w0 = weight + o * c, w1 = w0 + c, w2 = w1 + c, w3 = w2 + c
        var r = 0
        while r + 2 <= m {
            let x0 = inp + r * ldInp, x1 = x0 + ldInp
            let s = dot4x2(w0, w1, w2, w3, x0, x1, c)
            storeTile(s.0, out + r * ldOut + o, accumulate)
            storeTile(s.1, out + (r + 1) * ldOut + o, accumulate)
            r += 2
        }
        if r < m {
            storeTile(dot4x1(w0, w1, w2, w3, inp + r * ldInp, c), out + r * ldOut + o, accumulate)
        }
        o += 4
    }
    while o < columns.upperBound {
        let w = weight + o * c
        for r in 0..<m {
            let y = out + r * ldOut + o
            let s = dot(w, inp + r * ldInp, c)
            y.pointee = accumulate ? y.pointee + s : s
        }
        o += 1
    }
}

@inline(__always)
func storeTile(_ v: SIMD4<Float>, _ y: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
    let v = accumulate ? v + UnsafeRawPointer(y).loadUnaligned(as: SIMD4<Float>.self) : v
    UnsafeMutableRawPointer(y).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// (w0…w3 · x0, w0…w3 · x1): four output channels of two input rows, length c.
@inline(__always)
func dot4x2(
    _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>, _ w3: UnsafePointer<Float>,
    _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ c: Int
) -> (SIMD4<Float>, SIMD4<Float>) {
    var a00 = Float8(), a10 = Float8(), a20 = Float8(), a30 = Float8()
    var a01 = Float8(), a11 = Float8(), a21 = Float8(), a31 = Float8()
    var k = 0
    while k + 8 <= c {
        let u = load8(x0 + k), v = load8(x1 + k)
        let b0 = load8(w0 + k), b1 = load8(w1 + k), b2 = load8(w2 + k), b3 = load8(w3 + k)
        a00.addProduct(b0, u); a01.addProduct(b0, v)
        a10.addProduct(b1, u); a11.addProduct(b1, v)
        a20.addProduct(b2, u); a21.addProduct(b2, v)
        a30.addProduct(b3, u); a31.addProduct(b3, v)
        k += 8
    }
    var s0 = SIMD4<Float>(a00.sum(), a10.sum(), a20.sum(), a30.sum())
    var s1 = SIMD4<Float>(a01.sum(), a11.sum(), a21.sum(), a31.sum())
    while k < c {
        let wk = SIMD4<Float>(w0[k], w1[k], w2[k], w3[k])
        s0 += wk * x0[k]
        s1 += wk * x1[k]
        k += 1
    }
    return (s0, s1)
}

/// w0…w3 · x: four output channels of one input row, length c.
@inline(__always)
func dot4x1(
    _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>, _ w3: UnsafePointer<Float>,
    _ x: UnsafePointer<Float>, _ c: Int
) -> SIMD4<Float> {
    var a0 = Float8(), a1 = Float8(), a2 = Float8(), a3 = Float8()
    var k = 0
    while k + 8 <= c {
        let u = load8(x + k)
        a0.addProduct(load8(w0 + k), u)
        a1.addProduct(load8(w1 + k), u)
        a2.addProduct(load8(w2 + k), u)
        a3.addProduct(load8(w3 + k), u)
        k += 8
    }
    var s = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    while k < c {
        s += SIMD4<Float>(w0[k], w1[k], w2[k], w3[k]) * x[k]
        k += 1
    }
    return s
}
