// Decoders for ggml's 32-element block formats (ggml-common.h, ggml-quants.c).
//
//   block_q8_0 (34 bytes): f16 d | int8 qs[32]        x[j] = qs[j] * d
//   block_q4_0 (18 bytes): f16 d | uint8 qs[16]       x[j] = (lo(qs[j]) - 8) * d,  x[j+16] = (hi(qs[j]) - 8) * d
//   block_q4_1 (20 bytes): f16 d | f16 m | uint8 qs[16]  x[j] = lo(qs[j]) * d + m,  x[j+16] = hi(qs[j]) * d + m
//   block_q5_0 (22 bytes): f16 d | uint32 qh | uint8 qs[16]
//       x[j] = (lo(qs[j]) | bit j of qh << 4) - 16) * d,  x[j+16] = (hi(qs[j]) | bit j+16 of qh << 4) - 16) * d
//
// The nibble order matters: the low nibbles of the 16 bytes are elements 0..15 and the
// high nibbles are elements 16..31 (not interleaved pairs).

func decodeQ8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let p = src + 34 * b
        let y = dst + 32 * b
        let d = loadHalf(p, 0)
        let qs = (p + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }
}

func decodeQ4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let p = src + 18 * b
        let y = dst + 32 * b
        let d = loadHalf(p, 0)
        let qs = (p + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
        }
    }
}

func decodeQ4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let p = src + 20 * b
        let y = dst + 32 * b
        let d = loadHalf(p, 0)
        let m = loadHalf(p, 2)
        let qs = (p + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(qs[j] & 0x0F) * d + m
            y[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }
}

func decodeQ5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let p = src + 22 * b
        let y = dst + 32 * b
        let d = loadHalf(p, 0)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let qs = (p + 6).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let lo = Int32(qs[j] & 0x0F) | Int32((qh >> UInt32(j)) & 1) << 4
            let hi = Int32(qs[j] >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(lo - 16) * d
            y[j + 16] = Float(hi - 16) * d
        }
    }
}
