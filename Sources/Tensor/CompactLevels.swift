// Compact matrices made straight from the integer levels of GGUF blocks (ModelFiles
// BlockLevels.swift) rather than refitted from fp32: a level q of a group with scale d and
// offset m stands for Float(q)·d + m, which is exactly the float the GGUF decoder produced.
//
//   groups of 32, no offset (Q8_0, Q5_0)      → Q8_0 (1.125 bytes per weight)
//   groups of 32, levels 0…15 (Q4_K)          → Q4_1 (0.75)
//   anything else (Q5_K, Q6_K: 5–6-bit levels) → int8x16: Int8 levels, scale and offset per 16 (1.5)

extension CompactMatrix {
    /// The compact form of a block-quantized (OC, C) matrix from its levels (OC·C, row-major),
    /// scales and offsets (one per group of `groupSize` consecutive weights of a row; an offset
    /// of −0 means none). Nil when C is not a multiple of the group size.
    public static func fromLevels(rows: Int, columns: Int, groupSize: Int, levels: UnsafePointer<Int8>,
                                  scales: UnsafePointer<Float>, offsets: UnsafePointer<Float>) -> CompactMatrix? {
        guard rows > 0, columns > 0, groupSize == 16 || groupSize == 32, columns % 32 == 0 else { return nil }
        let groups = rows * columns / groupSize
        let noOffset = (0..<groups).allSatisfy { offsets[$0].bitPattern == (-0.0 as Float).bitPattern }
        let count = rows * columns
        if groupSize == 32, noOffset {
            let m = CompactMatrix(format: .q8_0, rows: rows, columns: columns)
            let q = m.quants.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { q[i] = UInt8(Int(levels[i]) + 128) }
            m.scales.update(from: scales, count: groups)
            return m
        }
        if groupSize == 32, (0..<count).allSatisfy({ levels[$0] >= 0 && levels[$0] <= 15 }) {
            let m = CompactMatrix(format: .q4_1, rows: rows, columns: columns)
            let words = m.quants.assumingMemoryBound(to: UInt32.self)
            for g in 0..<(count / 8) {
                var word: UInt32 = 0
                for i in 0..<8 { word |= UInt32(levels[8 * g + i]) << (4 * i) }
                words[g] = word
            }
            m.scales.update(from: scales, count: groups)
            m.offsets.update(from: offsets, count: groups)
            return m
        }
        let m = CompactMatrix(format: .int8x16, rows: rows, columns: columns)
        m.hasOffsets = !noOffset
        m.quants.assumingMemoryBound(to: Int8.self).update(from: levels, count: count)
        let perGroup = groupSize / 16
        for g in 0..<(count / 16) {
            m.scales[g] = scales[g / perGroup]
            m.offsets[g] = offsets[g / perGroup]
        }
        return m
    }

    /// One matrix of the rows of `parts` in order (e.g. q, k and v as the fused q|k|v), when
    /// they share format and width.
    public static func stacked(_ parts: [CompactMatrix]) -> CompactMatrix? {
        guard let first = parts.first, parts.allSatisfy({ $0.format == first.format && $0.columns == first.columns }) else {
            return nil
        }
        let m = CompactMatrix(format: first.format, rows: parts.reduce(0) { $0 + $1.rows }, columns: first.columns)
        m.hasOffsets = parts.contains { $0.hasOffsets }
        var quantOffset = 0, groupOffset = 0
        for p in parts {
            let bytes = p.quantByteCount, groups = p.groupCount
            (m.quants + quantOffset).copyMemory(from: p.quants, byteCount: bytes)
            (m.scales + groupOffset).update(from: p.scales, count: groups)
            (m.offsets + groupOffset).update(from: p.offsets, count: groups)
            quantOffset += bytes
            groupOffset += groups
        }
        return m
    }

    /// Whether decoding reproduces `weights` (OC, C) bit for bit (checked row by row in
    /// parallel, stopping at the first difference).
    public func reproduces(_ weights: UnsafePointer<Float>) -> Bool {
        let workers = min(Threads.count, rows)
        let same = UnsafeMutablePointer<Bool>.allocate(capacity: workers)
        defer { same.deallocate() }
        parallelFor(workers) { w in
            same[w] = true
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { buffer in
                let row = buffer.baseAddress!
                for r in chunkRange(rows, workers: workers, index: w) {
                    decodeRow(r, into: row)
                    let x = weights + r * columns
                    for j in 0..<columns where row[j].bitPattern != x[j].bitPattern {
                        same[w] = false
                        return
                    }
                }
            }
        }
        return (0..<workers).allSatisfy { same[$0] }
    }

    /// Bytes of `quants` (all rows).
    var quantByteCount: Int {
        switch format {
        case .q4_1: return rows * columns / 2
        case .q8_0, .int8x16: return rows * columns
        case .bf16: return rows * columns * 2
        }
    }

    /// Scale/offset entries (all rows).
    var groupCount: Int {
        switch format {
        case .q4_1, .q8_0: return rows * (columns / 32)
        case .int8x16: return rows * (columns / 16)
        case .bf16: return 0
        }
    }
}
