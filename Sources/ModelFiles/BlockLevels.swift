// The integer levels inside ggml's quantized blocks, with the per-group scale and offset that
// turn them back into the very floats the decoders of QuantBlocks.swift / KQuantBlocks.swift
// produce: x = Float(level) · scale + offset, bit for bit (the decoders compute d·q − m or
// q·d, and q·d + (−m) is the same IEEE operation; a type without offset reports −0, which
// adds nothing to any float, −0 included). Inference keeps such matrices compact (Tensor
// CompactMatrix) instead of expanding them to fp32.
//
//   Q8_0, Q5_0: groups of 32, level q (Q5_0: q − 16), scale d, no offset
//   Q4_K, Q5_K: groups of 32 (the sub-blocks), level q, scale d·sc, offset −(dmin·m)
//   Q6_K:       groups of 16, level q − 32, scale d·sc, no offset

/// The ggml types whose levels `unpackLevels` can read, and their group size.
public func levelGroupSize(_ type: GGMLType) -> Int? {
    switch type {
    case .q8_0, .q5_0, .q4_K, .q5_K: return 32
    case .q6_K: return 16
    default: return nil
    }
}

/// Writes the levels (count), scales and offsets (count / group size each) of `blocks` blocks
/// of `type` stored at `src`. Returns false for a type without levels.
public func unpackLevels(
    _ src: UnsafeRawPointer, type: GGMLType, blocks: Int,
    levels: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>
) -> Bool {
    switch type {
    case .q8_0:
        for b in 0..<blocks {
            let p = src + 34 * b
            scales[b] = loadHalf(p, 0)
            offsets[b] = -0.0
            let qs = (p + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 { levels[32 * b + j] = qs[j] }
        }
    case .q5_0:
        for b in 0..<blocks {
            let p = src + 22 * b
            scales[b] = loadHalf(p, 0)
            offsets[b] = -0.0
            let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let qs = (p + 6).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                levels[32 * b + j] = Int8(Int32(qs[j] & 0x0F) | Int32((qh >> UInt32(j)) & 1) << 4) - 16
                levels[32 * b + j + 16] = Int8(Int32(qs[j] >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4) - 16
            }
        }
    case .q4_K, .q5_K:
        let five = type == .q5_K, size = five ? 176 : 144
        for b in 0..<blocks {
            let p = src + size * b
            let d = loadHalf(p, 0), dmin = loadHalf(p, 2)
            let sc = (p + 4).assumingMemoryBound(to: UInt8.self)
            let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
            let qs = (p + (five ? 48 : 16)).assumingMemoryBound(to: UInt8.self)
            for i in 0..<8 {
                let (s, m) = q4KScaleMin(i, sc)
                scales[8 * b + i] = d * Float(s)
                offsets[8 * b + i] = -(dmin * Float(m))
                let q = qs + 32 * (i / 2), shift = UInt8(4 * (i % 2))
                for l in 0..<32 {
                    var level = (q[l] >> shift) & 0x0F
                    if five { level |= ((qh[l] >> UInt8(i)) & 1) << 4 }
                    levels[256 * b + 32 * i + l] = Int8(level)
                }
            }
        }
    case .q6_K:
        for b in 0..<blocks {
            let p = src + 210 * b
            let d = loadHalf(p, 208)
            let sc = (p + 192).assumingMemoryBound(to: Int8.self)
            for g in 0..<16 {
                scales[16 * b + g] = d * Float(sc[g])
                offsets[16 * b + g] = -0.0
            }
            for h in 0..<2 {
                let ql = (p + 64 * h).assumingMemoryBound(to: UInt8.self)
                let qh = (p + 128 + 32 * h).assumingMemoryBound(to: UInt8.self)
                let out = levels + 256 * b + 128 * h
                for l in 0..<32 {
                    let hi = qh[l]
                    out[l] = Int8(Int32((ql[l] & 0x0F) | ((hi & 3) << 4)) - 32)
                    out[l + 32] = Int8(Int32((ql[l + 32] & 0x0F) | (((hi >> 2) & 3) << 4)) - 32)
                    out[l + 64] = Int8(Int32((ql[l] >> 4) | (((hi >> 4) & 3) << 4)) - 32)
                    out[l + 96] = Int8(Int32((ql[l + 32] >> 4) | (((hi >> 6) & 3) << 4)) - 32)
                }
            }
        }
    default:
        return false
    }
    return true
}

extension GGUFFile {
    /// The levels, scales and offsets of a quantized tensor (see `unpackLevels`), or nil when
    /// its type has none (F32, F16, Q4_1…).
    public func levels(_ name: String) throws -> (levels: [Int8], scales: [Float], offsets: [Float], groupSize: Int)? {
        try withRawBytes(name) { raw, info in
            guard let group = levelGroupSize(info.type), let base = raw.baseAddress else { return nil }
            let (perBlock, blockBytes) = info.type.blockLayout
            let count = info.elementCount, blocks = count / perBlock
            guard count % perBlock == 0, raw.count >= blocks * blockBytes else {
                throw ModelFileError.truncated(file: url.path, what: "the data of tensor '\(name)'")
            }
            var levels = [Int8](repeating: 0, count: count)
            var scales = [Float](repeating: 0, count: count / group), offsets = scales
            _ = levels.withUnsafeMutableBufferPointer { l in
                scales.withUnsafeMutableBufferPointer { s in
                    offsets.withUnsafeMutableBufferPointer { o in
                        unpackLevels(base, type: info.type, blocks: blocks, levels: l.baseAddress!, scales: s.baseAddress!,
                                     offsets: o.baseAddress!)
                    }
                }
            }
            return (levels, scales, offsets, group)
        }
    }
}
