// Decoders for ggml's 256-element "k-quant" super-blocks (ggml-common.h, ggml-quants.c).
//
// block_q4_K (144 bytes): f16 d | f16 dmin | uint8 scales[12] | uint8 qs[128]
//   8 sub-blocks of 32 with a 6-bit scale sc[i] and 6-bit min m[i], packed in 12 bytes:
//     bytes 0..3 : sc[0..3] in bits 0-5, bits 6-7 = sc[4..7] >> 4
//     bytes 4..7 : m[0..3]  in bits 0-5, bits 6-7 = m[4..7] >> 4
//     bytes 8..11: low nibble = sc[4..7] & 15, high nibble = m[4..7] & 15
//   Elements come in 4 chunks of 64 sharing 32 bytes of qs: the low nibbles are
//   sub-block 2c, the high nibbles sub-block 2c+1.  x = d*sc[i]*q - dmin*m[i].
//
// block_q5_K (176 bytes): f16 d | f16 dmin | uint8 scales[12] | uint8 qh[32] | uint8 qs[128]
//   As Q4_K, with a fifth bit: element l of sub-block i adds bit i of qh[l] as bit 4.
//   x = d*sc[i]*q - dmin*m[i], q ∈ 0…31.
//
// block_q6_K (210 bytes): uint8 ql[128] | uint8 qh[64] | int8 scales[16] | f16 d
//   q (6 bits) = low 4 bits from ql, high 2 bits from qh, minus 32; element i uses
//   scales[i / 16]. Two halves of 128; in half h, for l in 0..<32 with ql' = ql[64h...],
//   qh' = qh[32h...]:
//     x[l]    = lo(ql'[l])    | bits 0-1 of qh'[l]
//     x[l+32] = lo(ql'[l+32]) | bits 2-3 of qh'[l]
//     x[l+64] = hi(ql'[l])    | bits 4-5 of qh'[l]
//     x[l+96] = hi(ql'[l+32]) | bits 6-7 of qh'[l]

/// The 6-bit scale and min of sub-block `j` (0..<8) of a Q4_K/Q5_K scales array.
@inline(__always)
func q4KScaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (scale: UInt8, min: UInt8) {
    if j < 4 {
        return (q[j] & 63, q[j + 4] & 63)
    }
    return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
}

func decodeQ4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    decodeQ4OrQ5_K(src, dst, blocks, highBits: false)
}

func decodeQ5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    decodeQ4OrQ5_K(src, dst, blocks, highBits: true)
}

/// Q4_K (144-byte blocks: d, dmin, 12 scale bytes, 128 nibble bytes) and Q5_K (176 bytes: the
/// same with 32 bytes of fifth bits `qh` before the nibbles): x = d·sc·q − dmin·m per 32-weight
/// sub-block, q's fifth bit for sub-block 2c / 2c+1 being bit 2c / 2c+1 of qh[l].
private func decodeQ4OrQ5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int, highBits: Bool) {
    let blockBytes = highBits ? 176 : 144
    for b in 0..<blocks {
        let p = src + blockBytes * b
        let y = dst + 256 * b
        let d = loadHalf(p, 0)
        let dmin = loadHalf(p, 2)
        let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
        let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
        let qs = (p + (highBits ? 48 : 16)).assumingMemoryBound(to: UInt8.self)
        for c in 0..<4 {
            let (sc1, m1) = q4KScaleMin(2 * c, scales)
            let (sc2, m2) = q4KScaleMin(2 * c + 1, scales)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            let q = qs + 32 * c
            let out = y + 64 * c
            for l in 0..<32 {
                let h1: UInt8 = highBits ? (qh[l] >> UInt8(2 * c)) & 1 : 0
                let h2: UInt8 = highBits ? (qh[l] >> UInt8(2 * c + 1)) & 1 : 0
                out[l] = d1 * Float((q[l] & 0x0F) | h1 << 4) - min1
                out[l + 32] = d2 * Float((q[l] >> 4) | h2 << 4) - min2
            }
        }
    }
}

func decodeQ6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let p = src + 210 * b
        let y = dst + 256 * b
        let d = loadHalf(p, 208)
        for h in 0..<2 {
            let ql = (p + 64 * h).assumingMemoryBound(to: UInt8.self)
            let qh = (p + 128 + 32 * h).assumingMemoryBound(to: UInt8.self)
            let sc = (p + 192 + 8 * h).assumingMemoryBound(to: Int8.self)
            let out = y + 128 * h
            for l in 0..<32 {
                let s = l / 16
                let hi = qh[l]
                let q1 = Int32((ql[l] & 0x0F) | ((hi & 3) << 4)) - 32
                let q2 = Int32((ql[l + 32] & 0x0F) | (((hi >> 2) & 3) << 4)) - 32
                let q3 = Int32((ql[l] >> 4) | (((hi >> 4) & 3) << 4)) - 32
                let q4 = Int32((ql[l + 32] >> 4) | (((hi >> 6) & 3) << 4)) - 32
                out[l] = d * Float(sc[s]) * Float(q1)
                out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
        }
    }
}
