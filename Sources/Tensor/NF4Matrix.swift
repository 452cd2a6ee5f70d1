// 4-bit NormalFloat (NF4), the data type of QLoRA (Dettmers et al. 2023, arXiv 2305.14314)
// as bitsandbytes stores it (`quantize_4bit(quant_type="nf4", blocksize=64)`): the matrix is
// flattened row-major and cut into blocks of 64 weights; each block keeps its absolute
// maximum (fp32 here: no double quantization of the absmax) and each weight the 4-bit index
// of the level nearest to w / absmax among 16 fixed levels in [−1, 1] (quantiles of N(0, 1)
// with an exact 0, normalised; an all-zero block gets index 7, the level 0). Two indices
// share a byte, the first in the high nibble. A weight decodes to level[index] · absmax.
// 0.5 + 4/64 = 0.5625 bytes per weight (0.14 of fp32).
//
// Legend: OC rows (output channels), C columns (input channels).

public final class NF4Matrix: FrozenMatrix, @unchecked Sendable {
    /// The 16 NF4 levels, ascending (bitsandbytes `create_normal_map(0.9677083)`, fp32).
    public static let levels: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ]
    /// Weights per absmax block.
    public static let blockSize = 64

    public let rows: Int, columns: Int
    /// ⌈OC·C / 2⌉ bytes of packed indices.
    public let packed: UnsafeMutablePointer<UInt8>
    /// ⌈OC·C / 64⌉ block absmax values.
    public let absmax: UnsafeMutablePointer<Float>

    var count: Int { rows * columns }
    var blockCount: Int { (count + Self.blockSize - 1) / Self.blockSize }

    public var byteCount: Int { (count + 1) / 2 + 4 * blockCount }

    /// Quantizes `weights` (OC, C) row-major.
    public init(_ weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        let count = rows * columns, blocks = (count + Self.blockSize - 1) / Self.blockSize
        packed = .allocate(capacity: max(1, (count + 1) / 2))
        packed.initialize(repeating: 0, count: max(1, (count + 1) / 2))
        absmax = .allocate(capacity: max(1, blocks))
        absmax.initialize(repeating: 0, count: max(1, blocks))
        // Blocks of 64 start on even indices, so blocks own whole bytes and quantize in parallel.
        parallelFor(min(Threads.count, max(1, blocks))) { w in
            for b in chunkRange(blocks, workers: min(Threads.count, max(1, blocks)), index: w) {
                let start = b * Self.blockSize, end = min(count, start + Self.blockSize)
                var m: Float = 0
                for i in start..<end { m = max(m, abs(weights[i])) }
                self.absmax[b] = m
                for i in start..<end {
                    let code = m > 0 ? NF4Matrix.nearest(weights[i] / m) : 7
                    if i & 1 == 0 { self.packed[i >> 1] = code << 4 } else { self.packed[i >> 1] |= code }
                }
            }
        }
    }

    deinit {
        packed.deallocate()
        absmax.deallocate()
    }

    /// The index of the level nearest to `x` (x in [−1, 1]; a tie goes to the lower level).
    /// The midpoints of adjacent fp32 levels are exact in Double, so comparing with them is
    /// comparing the two distances exactly.
    @inline(__always)
    static func nearest(_ x: Float) -> UInt8 {
        let v = Double(x)
        var lo = 0, hi = 15  // the answer is in lo...hi
        while lo < hi {
            let mid = (lo + hi) / 2
            if v > midpoints[mid] { lo = mid + 1 } else { hi = mid }
        }
        return UInt8(lo)
    }

    /// midpoints[k] lies between levels k and k + 1.
    private static let midpoints: [Double] = (0..<15).map { (Double(levels[$0]) + Double(levels[$0 + 1])) / 2 }

    /// The 4-bit index of weight i of the flattened matrix.
    public func code(_ i: Int) -> UInt8 { i & 1 == 0 ? packed[i >> 1] >> 4 : packed[i >> 1] & 0x0F }

    public func decodeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let c = columns
        Self.levels.withUnsafeBufferPointer { level in
            for r in range {
                let row = out + (r - range.lowerBound) * c
                var i = r * c
                for j in 0..<c {
                    let byte = packed[i >> 1]
                    let q = i & 1 == 0 ? byte >> 4 : byte & 0x0F
                    row[j] = level[Int(q)] * absmax[i / Self.blockSize]
                    i += 1
                }
            }
        }
    }
}
