// Linear layers whose weight stays in a compact encoding (NF4, or a GGUF's own blocks) and is
// never expanded whole: the QLoRA base. Both products a frozen layer needs decode the weight
// one tile of rows at a time (at most `frozenTileFloats`) into an fp32 scratch and run sgemm
// on that tile:
//   forward         out[:, o..<o+t] (=/+=) inp · tileᵀ
//   input gradient  dinp += dout[:, o..<o+t] · tile        (dX = dY·W, tile by tile)
// There is no weight gradient (the base is frozen). The results equal `matmulForward` /
// `matmulBackward` on the decoded fp32 matrix up to the summation order of sgemm.
//
// Legend: N rows, C input channels, OC output channels, t rows of the weight per tile.

/// A weight matrix (OC, C) held compactly and decoded a few rows at a time.
public protocol FrozenMatrix: AnyObject, Sendable {
    var rows: Int { get }
    var columns: Int { get }
    /// Bytes the encoded matrix occupies.
    var byteCount: Int { get }
    /// Writes rows `range` as fp32 into `out` ((range.count, C), row-major).
    func decodeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>)
}

extension CompactMatrix: FrozenMatrix {
    public func decodeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        for r in range { decodeRow(r, into: out + (r - range.lowerBound) * columns) }
    }
}

/// Floats of one decoded tile (32 MiB): rows per tile = this ÷ C, in multiples of 16. Large
/// on purpose: sgemm packs the whole input (N, C) again for every tile, so at N = 1024 and
/// C = 1536 tiles of 512 KiB spent a fifth of a QLoRA step packing (`scripts/bench-train
/// --qlora --model` on a Qwen2.5-1.5B shape: 22.1 tokens/s at 512 KiB, 25.7 at 4 MiB, 30.5 at
/// 16 MiB, 32.3 at 32 MiB, peak memory the same to 1%).
public let frozenTileFloats = 8 * 1024 * 1024

/// Rows of a (OC, C) frozen matrix decoded per tile of at most `budget` floats.
@inlinable
public func frozenTileRows(columns c: Int, rows oc: Int, budget: Int = frozenTileFloats) -> Int {
    min(oc, max(16, budget / max(1, c) / 16 * 16))
}

/// Decodes rows `range` of `weight` into `tile`, split across the kernel workers.
@usableFromInline
func decodeTile(_ weight: any FrozenMatrix, _ range: Range<Int>, into tile: UnsafeMutablePointer<Float>) {
    let workers = min(Threads.count, max(1, range.count / 8))
    guard workers > 1 else { return weight.decodeRows(range, into: tile) }
    parallelFor(workers) { w in
        let part = chunkRange(range.count, workers: workers, index: w)
        guard !part.isEmpty else { return }
        weight.decodeRows((range.lowerBound + part.lowerBound)..<(range.lowerBound + part.upperBound),
                          into: tile + part.lowerBound * weight.columns)
    }
}

/// out (N, OC) = inp (N, C) · weightᵀ, or `+=` when `accumulate`; `scratch` holds one tile.
public func frozenMatmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: any FrozenMatrix, n: Int,
    scratch: FloatBuffer, accumulate: Bool = false, ldOut: Int? = nil, ldInp: Int? = nil, tileFloats: Int = frozenTileFloats
) {
    let c = weight.columns, oc = weight.rows, t = frozenTileRows(columns: c, rows: oc, budget: tileFloats)
    guard n > 0, oc > 0 else { return }
    scratch.reserve(t * c)
    let tile = scratch.pointer
    for o in stride(from: 0, to: oc, by: t) {
        let rows = min(t, oc - o)
        decodeTile(weight, o..<(o + rows), into: tile)
        gemm(transA: false, transB: true, m: n, n: rows, k: c, a: inp, lda: ldInp ?? c, b: tile, ldb: c,
             beta: accumulate ? 1 : 0, c: out + o, ldc: ldOut ?? oc)
    }
}

/// Input gradient of `frozenMatmulForward`: dinp (N, C) += dout (N, OC) · weight (OC, C).
public func frozenMatmulBackward(
    dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, _ weight: any FrozenMatrix, n: Int,
    scratch: FloatBuffer, ldDout: Int? = nil, ldDinp: Int? = nil, tileFloats: Int = frozenTileFloats
) {
    let c = weight.columns, oc = weight.rows, t = frozenTileRows(columns: c, rows: oc, budget: tileFloats)
    guard n > 0, oc > 0 else { return }
    scratch.reserve(t * c)
    let tile = scratch.pointer, ldo = ldDout ?? oc
    for o in stride(from: 0, to: oc, by: t) {
        let rows = min(t, oc - o)
        decodeTile(weight, o..<(o + rows), into: tile)
        gemm(transA: false, transB: false, m: n, n: c, k: rows, a: dout + o, lda: ldo, b: tile, ldb: c,
             beta: 1, c: dinp, ldc: ldDinp ?? c)
    }
}
