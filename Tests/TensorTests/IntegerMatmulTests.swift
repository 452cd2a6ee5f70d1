import Foundation
import Testing
@testable import Tensor

/// The integer decode kernels (on int8 activations: AVX-512 VNNI and AVX2, each the CPU runs)
/// against the same arithmetic in double precision, and against the fp32 product within the
/// bound activation rounding allows. On a CPU without AVX2 the kernels are never called, and
/// these tests say so.
@Suite struct IntegerMatmulTests {
    /// Odd and even block counts (3 blocks leaves an unpaired one), and up to 16 rows.
    let shapes = [(rows: 7, columns: 96), (rows: 19, columns: 576), (rows: 5, columns: 32)]

    func weights(_ format: CompactMatrix.Format, rows: Int, columns: Int, _ rng: inout TestRNG) -> [Float] {
        var w = [Float](repeating: 0, count: rows * columns)
        for b in 0..<(rows * columns / 32) {
            let d = Float(Float16(0.01 + 0.05 * rng.nextFloat())), m = Float(Float16(-0.8 * rng.nextFloat()))
            for j in 0..<32 {
                if format == .q4_1 {
                    let q = j == 0 ? 0 : j == 1 ? 15 : Int(rng.next() % 16)
                    w[32 * b + j] = Float(q) * d + m
                } else {
                    let q = j == 0 ? 127 : Int(rng.next() % 255) - 127
                    w[32 * b + j] = Float(q) * d
                }
            }
        }
        return w
    }

    /// The integer product and the fp32 product of the same compact matrix, each written into
    /// (or added to, when `accumulate`) an output of M rows `ldOut` apart filled with `start`.
    static func products(_ matrix: CompactMatrix, _ x: [Float], m: Int, accumulate: Bool, ldOut: Int,
                         start: Float, kernels: IntegerKernels) -> (integer: [Float], fp32: [Float]) {
        var got = [Float](repeating: start, count: m * ldOut)
        var fp32 = got
        got.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer {
                integerMatmulForward(o.baseAddress!, $0.baseAddress!, matrix, m: m, accumulate: accumulate, ldOut: ldOut, kernels: kernels)
            }
        }
        fp32.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { compactMatmulForward(o.baseAddress!, $0.baseAddress!, matrix, m: m, accumulate: accumulate, ldOut: ldOut) }
        }
        return (got, fp32)
    }

    /// The kernels' arithmetic in double: Σ_j (w_j − m_b)·x̂_j + m_b·Σ_j x_j, x̂ the activations
    /// rounded as the kernels round them (per block of 32, scale max|x|/127, ties to even) and
    /// m_b a Q4_1 block's offset (0 for Q8_0), which meets the exact activations; and the
    /// rounding bound Σ_b (dx_b/2)·Σ_j∈b |w_j − m_b|.
    func reference(_ w: [Float], _ x: [Float], offsets: [Float], columns c: Int) -> (value: Double, bound: Double) {
        var value = 0.0, bound = 0.0
        for b in 0..<(c / 32) {
            let block = x[(32 * b)..<(32 * b + 32)]
            let d = (block.map { abs($0) }.max() ?? 0) / 127
            let inv: Float = d > 0 ? 1 / d : 0
            let m = Double(offsets[b])
            for j in (32 * b)..<(32 * b + 32) {
                let q = max(-127, min(127, (x[j] * inv).rounded(.toNearestOrEven)))
                value += (Double(w[j]) - m) * Double(q) * Double(d) + m * Double(x[j])
                bound += abs(Double(w[j]) - m) * Double(d) / 2
            }
        }
        return (value, bound)
    }

    /// Every kernel set this CPU runs, or none (and a line saying so).
    static var kernelSets: [IntegerKernels] {
        if IntegerKernels.supported.isEmpty { print("IntegerMatmulTests: this CPU has no AVX2; the integer decode kernels are not used here") }
        return IntegerKernels.supported
    }

    @Test(arguments: [CompactMatrix.Format.q4_1, .q8_0])
    func integerProductsEqualTheQuantizedArithmetic(format: CompactMatrix.Format) throws {
        for kernels in Self.kernelSets { try integerProductsEqualTheQuantizedArithmetic(format: format, kernels: kernels) }
    }

    func integerProductsEqualTheQuantizedArithmetic(format: CompactMatrix.Format, kernels: IntegerKernels) throws {
        var rng = TestRNG(seed: 11)
        for shape in shapes {
            let w = weights(format, rows: shape.rows, columns: shape.columns, &rng)
            let matrix = try #require(w.withUnsafeBufferPointer { CompactMatrix.exact($0.baseAddress!, rows: shape.rows, columns: shape.columns) })
            try #require(matrix.format == format)
            for m in [1, 2, 5, 13, 16] {
                let x = rng.normals(m * shape.columns)
                for accumulate in [false, true] {
                    let ldOut = shape.rows + 3
                    let (got, fp32) = Self.products(matrix, x, m: m, accumulate: accumulate, ldOut: ldOut, start: 0.25, kernels: kernels)
                    for r in 0..<m {
                        let xr = Array(x[(r * shape.columns)..<((r + 1) * shape.columns)])
                        for o in 0..<shape.rows {
                            let wr = Array(w[(o * shape.columns)..<((o + 1) * shape.columns)])
                            let blocks = shape.columns / 32
                            let offsets = (0..<blocks).map { format == .q4_1 ? matrix.offsets[o * blocks + $0] : 0 }
                            let (want, bound) = reference(wr, xr, offsets: offsets, columns: shape.columns)
                            let base = accumulate ? 0.25 : 0
                            let scale = wr.indices.reduce(0.0) { $0 + Double(abs(wr[$1]) * abs(xr[$1])) } + 1
                            let value = Double(got[r * ldOut + o]) - base
                            #expect(abs(value - want) <= 2e-5 * scale, "\(kernels) \(format) \(shape) m=\(m) row \(r) out \(o): \(value) vs \(want)")
                            // Against fp32: within the activation-rounding bound (plus float summation).
                            let exact = Double(fp32[r * ldOut + o]) - base
                            #expect(abs(value - exact) <= bound + 2e-5 * scale, "\(kernels) \(format) \(shape) m=\(m): \(value) vs fp32 \(exact), bound \(bound)")
                        }
                        // Columns beyond OC are untouched.
                        for o in shape.rows..<ldOut { #expect(got[r * ldOut + o] == 0.25) }
                    }
                }
            }
        }
    }

    /// int8x16 (GGUF Q6_K and Q5_K levels: a scale and an offset per 16 weights), with and
    /// without offsets: Σ_g d_g·Σ_j∈g l_j·x̂_j + m_g·Σ_j∈g x_j, and within the rounding bound of
    /// the fp32 product.
    @Test(arguments: [false, true])
    func int8x16ProductsEqualTheQuantizedArithmetic(withOffsets: Bool) throws {
        for kernels in Self.kernelSets { try int8x16ProductsEqualTheQuantizedArithmetic(withOffsets: withOffsets, kernels: kernels) }
    }

    func int8x16ProductsEqualTheQuantizedArithmetic(withOffsets: Bool, kernels: IntegerKernels) throws {
        var rng = TestRNG(seed: 12)
        for shape in shapes {
            let (rows, c) = (shape.rows, shape.columns), groups = rows * c / 16
            // Q6_K-like levels −32…31 (the extremes present), or Q5_K-like 0…31 with offsets.
            let levels = (0..<(rows * c)).map { i -> Int8 in
                let j = i % 16
                if withOffsets { return j == 0 ? 0 : j == 1 ? 31 : Int8(rng.next() % 32) }
                return j == 0 ? -32 : j == 1 ? 31 : Int8(Int(rng.next() % 64) - 32)
            }
            let scales = (0..<groups).map { _ in Float(Float16(0.002 + 0.01 * rng.nextFloat())) }
            let offsets = (0..<groups).map { _ in withOffsets ? Float(Float16(-0.2 * rng.nextFloat())) : -0.0 }
            let matrix = try #require(levels.withUnsafeBufferPointer { l in
                scales.withUnsafeBufferPointer { s in
                    offsets.withUnsafeBufferPointer { o in
                        CompactMatrix.fromLevels(rows: rows, columns: c, groupSize: 16, levels: l.baseAddress!,
                                                 scales: s.baseAddress!, offsets: o.baseAddress!)
                    }
                }
            })
            try #require(matrix.format == .int8x16)
            for m in [1, 4, 5, 16] {
                let x = rng.normals(m * c)
                for accumulate in [false, true] {
                    let ldOut = rows + 2
                    let (got, fp32) = Self.products(matrix, x, m: m, accumulate: accumulate, ldOut: ldOut, start: 0.5, kernels: kernels)
                    let base = accumulate ? 0.5 : 0
                    for r in 0..<m {
                        for o in 0..<rows {
                            var want = 0.0, bound = 0.0, scale = 1.0
                            for b in 0..<(c / 32) {
                                let block = x[(r * c + 32 * b)..<(r * c + 32 * b + 32)]
                                let d = (block.map { abs($0) }.max() ?? 0) / 127
                                let inv: Float = d > 0 ? 1 / d : 0
                                for j in (32 * b)..<(32 * b + 32) {
                                    let g = (o * c + j) / 16
                                    let q = max(-127, min(127, (x[r * c + j] * inv).rounded(.toNearestOrEven)))
                                    let level = Double(levels[o * c + j]) * Double(scales[g])
                                    let offset = withOffsets ? Double(offsets[g]) : 0
                                    want += level * Double(q) * Double(d) + offset * Double(x[r * c + j])
                                    bound += abs(level) * Double(d) / 2
                                    scale += abs((level + offset) * Double(x[r * c + j]))
                                }
                            }
                            let value = Double(got[r * ldOut + o]) - base
                            #expect(abs(value - want) <= 2e-5 * scale, "\(kernels) int8x16 \(shape) m=\(m) row \(r) out \(o): \(value) vs \(want)")
                            let exact = Double(fp32[r * ldOut + o]) - base
                            #expect(abs(value - exact) <= bound + 2e-5 * scale, "\(kernels) int8x16 \(shape) m=\(m): \(value) vs fp32 \(exact), bound \(bound)")
                        }
                        for o in rows..<ldOut { #expect(got[r * ldOut + o] == 0.5) }
                    }
                }
            }
        }
    }

    /// A row's integer product does not depend on the other rows multiplied with it (the
    /// kernels meet up to 8 or 4 rows per unpacked weight, and large products are split across
    /// workers): each row of a batch equals that row alone, bit for bit, in every kernel set.
    @Test(arguments: [CompactMatrix.Format.q4_1, .q8_0])
    func rowsOfABatchEqualEachRowAlone(format: CompactMatrix.Format) throws {
        var rng = TestRNG(seed: 13)
        for kernels in Self.kernelSets {
            for (rows, columns) in [(64, 96), (1536, 576)] {  // one worker, and split across workers
                let w = weights(format, rows: rows, columns: columns, &rng)
                let matrix = try #require(w.withUnsafeBufferPointer { CompactMatrix.exact($0.baseAddress!, rows: rows, columns: columns) })
                for m in [3, 9, 16] {
                    let x = rng.normals(m * columns)
                    let together = Self.products(matrix, x, m: m, accumulate: false, ldOut: rows, start: 0, kernels: kernels).integer
                    for r in 0..<m {
                        let row = Array(x[(r * columns)..<((r + 1) * columns)])
                        let alone = Self.products(matrix, row, m: 1, accumulate: false, ldOut: rows, start: 0, kernels: kernels).integer
                        #expect(alone == Array(together[(r * rows)..<((r + 1) * rows)]), "\(kernels) \(format) \(rows)×\(columns) m=\(m) row \(r)")
                    }
                }
            }
        }
    }
}
