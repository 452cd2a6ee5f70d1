// out (M,OC) = inp (M,C) · weightᵀ for a few rows, reading the weights from their compact
// encoding (CompactMatrix.swift). Each worker decodes 4 weight rows at a time into an
// L1-sized scratch tile and runs the fp32 register tile of SmallMatmul.swift over all M
// input rows, so a weight is read from memory once per call, in 0.75–2 bytes instead of 4,
// and decoded once whatever M is. Results equal `smallMatmulForward` on the decoded fp32
// weights bit for bit (same tile kernel, same weights).
//
// Legend: M rows (≤ 16 in practice), C input channels, OC output channels.

/// out (M,OC) (= or += when `accumulate`) inp (M,C) · weight (OC,C)ᵀ with `weight` compact.
public func compactMatmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: CompactMatrix,
    m: Int, accumulate: Bool = false, ldOut: Int? = nil, ldInp: Int? = nil
) {
    let c = weight.columns, oc = weight.rows
    guard m > 0 else { return }
    let ldo = ldOut ?? oc, ldi = ldInp ?? c
    let tiles = (oc + 3) / 4
    let workers = m * c * oc < 65_536 ? 1 : min(Threads.count, tiles)
    let run = { (w: Int) in
        let range = chunkRange(tiles, workers: workers, index: w)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * c) { scratch in
            let tile = scratch.baseAddress!
            for t in range {
                let o = 4 * t, count = min(4, oc - o)
                for i in 0..<count { weight.decodeRow(o + i, into: tile + i * c) }
                smallMatmulColumns(out + o, inp, tile, m: m, c: c, columns: 0..<count,
                                   accumulate: accumulate, ldOut: ldo, ldInp: ldi)
            }
        }
    }
    if workers == 1 {
        run(0)
    } else {
        parallelFor(workers, run)
    }
}
