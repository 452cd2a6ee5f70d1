// A weight matrix (OC, C) re-encoded in fewer bytes — only when the encoding reproduces
// every fp32 weight bit for bit.
//
// Why: a decode step reads every weight once, so its speed is bytes ÷ memory bandwidth.
// Models distributed as GGUF were quantized once (SmolLM2's base file: Q4_1 layers, a Q8_0
// embedding) and the loader dequantized them to fp32, 4 bytes per weight. Encoding those
// fp32 weights back into the blocks they came from stores the same numbers in 0.75
// (Q4_1) or 1.125 (Q8_0) bytes; half-precision checkpoints go back to 2 (BF16). Nothing is
// approximated: a matrix that is not exactly representable (e.g. after fine-tuning) gets
// no compact form and stays fp32.
//
// Block formats follow ggml (ggml-common.h), with the block scale kept as a Float and the
// integers packed so that 8 consecutive weights unpack with one variable shift and a mask
// (the AVX2 decoders are C, Sources/CKernels: Swift compiles such unpacking lane by lane):
//   Q4_1: 32 weights, w[j] = q·d + m, q ∈ 0…15; UInt32 word g holds q[8g+i] in bits 4i…4i+3
//   Q8_0: 32 weights, w[j] = q·d,     q ∈ −127…127, stored as the byte q + 128
//   BF16: the upper 16 bits of each fp32 weight
// The dequantization formulas are exactly the ones the GGUF reader uses (ModelFiles
// QuantBlocks.swift: `Float(q) * d + m`, no fused multiply-add), so decoding reproduces
// the loader's fp32 values.
//
// Legend: OC rows (output channels), C columns (input channels).

import CKernels

public final class CompactMatrix: @unchecked Sendable {
    public enum Format: String, Sendable {
        case q4_1, q8_0, bf16
        /// Int8 levels with a scale and offset per 16 weights (CompactLevels.swift): the
        /// form of GGUF Q5_K and Q6_K matrices.
        case int8x16

        /// Whether the integer decode kernels (IntegerMatmul.swift) take this format.
        public var hasIntegerProducts: Bool { self != .bf16 }
    }

    public let format: Format
    public let rows: Int, columns: Int
    /// Q4_1: (OC, C/2) nibble bytes; Q8_0: (OC, C) Int8; BF16: (OC, C) UInt16; int8x16:
    /// (OC, C) Int8.
    let quants: UnsafeMutableRawPointer
    /// Per block of 32 (OC, C/32): scale d (Q4_1, Q8_0) and offset m (Q4_1); per group of
    /// 16 (OC, C/16) for int8x16.
    let scales: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>
    /// False when every offset is −0 (none), so products may skip them.
    var hasOffsets = true

    /// Bytes of weight data one pass over the matrix reads.
    public var byteCount: Int {
        switch format {
        case .q4_1: return rows * columns / 2 + 2 * rows * (columns / 32) * 4
        case .q8_0: return rows * columns + rows * (columns / 32) * 4
        case .bf16: return rows * columns * 2
        case .int8x16: return rows * columns + 2 * rows * (columns / 16) * 4
        }
    }

    /// The most compact exact encoding of `weights` (OC, C), trying Q4_1, then Q8_0, then
    /// BF16; nil when none reproduces every weight exactly. Encoding a matrix that is not
    /// representable stops at its first mismatching block, so fine-tuned weights cost little.
    public static func exact(_ weights: UnsafePointer<Float>, rows: Int, columns: Int) -> CompactMatrix? {
        guard rows > 0, columns > 0 else { return nil }
        for format in [Format.q4_1, .q8_0, .bf16] where format == .bf16 || columns % 32 == 0 {
            let matrix = CompactMatrix(format: format, rows: rows, columns: columns)
            if matrix.encode(weights) { return matrix }
        }
        return nil
    }

    init(format: Format, rows: Int, columns: Int) {
        self.format = format
        self.rows = rows
        self.columns = columns
        let blocks = max(1, rows * (columns / (format == .int8x16 ? 16 : 32)))
        let quantBytes = format == .q4_1 ? rows * columns / 2 : format == .q8_0 || format == .int8x16 ? rows * columns : rows * columns * 2
        quants = .allocate(byteCount: quantBytes, alignment: 64)
        scales = .allocate(capacity: blocks)
        offsets = .allocate(capacity: blocks)
    }

    /// Encodes every row (rows split across workers); false if any weight would change.
    private func encode(_ weights: UnsafePointer<Float>) -> Bool {
        let workers = min(Threads.count, rows)
        let exact = UnsafeMutablePointer<Bool>.allocate(capacity: workers)
        defer { exact.deallocate() }
        parallelFor(workers) { w in
            exact[w] = true
            for r in chunkRange(rows, workers: workers, index: w) where !encodeRow(r, weights + r * columns) {
                exact[w] = false
                return
            }
        }
        return (0..<workers).allSatisfy { exact[$0] }
    }

    deinit {
        quants.deallocate()
        scales.deallocate()
        offsets.deallocate()
    }

    /// Encodes row r from `w` (C); false as soon as a weight is not reproduced exactly.
    private func encodeRow(_ r: Int, _ w: UnsafePointer<Float>) -> Bool {
        switch format {
        case .bf16:
            let q = (quants + r * columns * 2).assumingMemoryBound(to: UInt16.self)
            for j in 0..<columns {
                let bits = w[j].bitPattern
                guard bits & 0xFFFF == 0 else { return false }
                q[j] = UInt16(bits >> 16)
            }
            return true
        case .q4_1:
            for b in 0..<(columns / 32) {
                let x = w + 32 * b, block = r * (columns / 32) + b
                let q = (quants + block * 16).assumingMemoryBound(to: UInt32.self)
                guard let (d, m) = fitQ4_1(x, q) else { return false }
                scales[block] = d
                offsets[block] = m
            }
            return true
        case .int8x16:
            return false  // built from levels only (CompactLevels.swift)
        case .q8_0:
            for b in 0..<(columns / 32) {
                let x = w + 32 * b, block = r * (columns / 32) + b
                let q = (quants + block * 32).assumingMemoryBound(to: UInt8.self)
                guard let d = fitQ8_0(x, q) else { return false }
                scales[block] = d
            }
            return true
        }
    }

    /// Scale candidates near `d`: d itself, and d rounded to half precision with its two
    /// neighbours (GGUF block scales are fp16, and the block's extreme weight may have been
    /// rounded when the offset was added).
    private func candidates(_ d: Float) -> [Float] {
        let h = Float16(d)
        return [d, Float(h), Float(h.nextUp), Float(h.nextDown)]
    }

    /// (d, m) with x[j] == Float(q[j]) * d + m for all 32 weights, q written to `q`.
    private func fitQ4_1(_ x: UnsafePointer<Float>, _ q: UnsafeMutablePointer<UInt32>) -> (Float, Float)? {
        var lo = x[0], hi = x[0]
        for j in 1..<32 { lo = min(lo, x[j]); hi = max(hi, x[j]) }
        guard lo.isFinite, hi.isFinite else { return nil }
        candidate: for d in candidates((hi - lo) / 15) where d.isFinite {
            for g in 0..<4 {
                var word: UInt32 = 0
                for i in 0..<8 {
                    guard let k = level(x[8 * g + i], d, lo, 15) else { continue candidate }
                    word |= UInt32(k) << (4 * i)
                }
                q[g] = word
            }
            return (d, lo)
        }
        return nil
    }

    /// The integer level k ∈ 0…top with Float(k)·d + m == v, if any.
    @inline(__always)
    private func level(_ v: Float, _ d: Float, _ m: Float, _ top: Int) -> Int? {
        let k = d == 0 ? 0 : Int(((v - m) / d).rounded())
        guard k >= 0, k <= top, Float(k) * d + m == v else { return nil }
        return k
    }

    /// d with x[j] == Float(q[j]) * d for all 32 weights, q written to `q`.
    private func fitQ8_0(_ x: UnsafePointer<Float>, _ q: UnsafeMutablePointer<UInt8>) -> Float? {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        guard amax.isFinite else { return nil }
        candidate: for d in candidates(amax / 127) where d.isFinite {
            for j in 0..<32 {
                let k = d == 0 ? 0 : Int((x[j] / d).rounded())
                guard k >= -127, k <= 127, Float(k) * d == x[j] else { continue candidate }
                q[j] = UInt8(k + 128)
            }
            return d
        }
        return nil
    }

    /// Writes row r (C) as fp32 into `out` — the exact weights that were encoded (AVX2
    /// decoders in CKernels: Swift compiles the integer unpacking lane by lane).
    @inline(__always)
    func decodeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        let c = columns, blocks = c / 32
        switch format {
        case .bf16:
            rounds_decode_bf16((quants + r * c * 2).assumingMemoryBound(to: UInt16.self), Int32(c), out)
        case .q4_1:
            rounds_decode_q4_1((quants + r * blocks * 16).assumingMemoryBound(to: UInt32.self),
                               scales + r * blocks, offsets + r * blocks, Int32(blocks), out)
        case .q8_0:
            rounds_decode_q8_0((quants + r * blocks * 32).assumingMemoryBound(to: UInt8.self),
                               scales + r * blocks, Int32(blocks), out)
        case .int8x16:
            let q = (quants + r * c).assumingMemoryBound(to: Int8.self), groups = c / 16
            let s = scales + r * groups, m = offsets + r * groups
            for g in 0..<groups {
                let d = s[g], o = m[g]
                for j in 0..<16 { out[16 * g + j] = Float(q[16 * g + j]) * d + o }
            }
        }
    }

    /// Row r as an array of fp32 weights.
    public func row(_ r: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: columns) { buffer, count in
            decodeRow(r, into: buffer.baseAddress!)
            count = columns
        }
    }
}
