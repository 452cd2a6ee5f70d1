import Foundation
import Testing
@testable import Tensor

/// Products with a frozen compact weight, decoded tile by tile, against sgemm on the decoded
/// fp32 matrix and (the input gradient, a new backward) against finite differences.
@Suite struct FrozenMatmulTests {
    func nf4(_ rng: inout TestRNG, rows: Int, columns: Int) -> (NF4Matrix, [Float]) {
        let w = rng.normals(rows * columns, scale: 0.1)
        let m = w.withUnsafeBufferPointer { NF4Matrix($0.baseAddress!, rows: rows, columns: columns) }
        var decoded = [Float](repeating: 0, count: rows * columns)
        decoded.withUnsafeMutableBufferPointer { m.decodeRows(0..<rows, into: $0.baseAddress!) }
        return (m, decoded)
    }

    static func relative(_ a: [Float], _ b: [Float]) -> Double {
        let scale = Double(b.map { abs($0) }.max() ?? 0)
        return (zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0) / max(scale, 1e-30)
    }

    @Test func forwardAndInputGradientEqualSgemmOnTheDecodedMatrixOverSeveralTiles() {
        var rng = TestRNG(seed: 5)
        // C = 1000 and a budget of 128K floats: 128 rows per tile, so 300 rows take three tiles
        // (the last one partial).
        let n = 9, c = 1000, oc = 300, budget = 128 * 1024
        #expect(frozenTileRows(columns: c, rows: oc, budget: budget) == 128)
        #expect(frozenTileRows(columns: c, rows: oc) == oc)
        let (m, w) = nf4(&rng, rows: oc, columns: c)
        let x = rng.normals(n * c), dy = rng.normals(n * oc)
        let scratch = FloatBuffer(count: 0)
        // Forward into a column slice of a wider output, accumulating onto what is there.
        let ld = oc + 7
        let start = rng.normals(n * ld)
        var got = start, want = start
        got.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { frozenMatmulForward(o.baseAddress! + 3, $0.baseAddress!, m, n: n, scratch: scratch, accumulate: true, ldOut: ld, tileFloats: budget) }
        }
        want.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { matmulForward(o.baseAddress! + 3, xp.baseAddress!, $0.baseAddress!, n: n, c: c, oc: oc, accumulate: true, ldOut: ld) }
            }
        }
        #expect(Self.relative(got, want) < 1e-5)
        #expect(got[0] == start[0] && got[ld - 1] == start[ld - 1] && got[3] != start[3])
        // dX += dY · W.
        let dx0 = rng.normals(n * c)
        var dxGot = dx0, dxWant = dx0
        dxGot.withUnsafeMutableBufferPointer { d in
            dy.withUnsafeBufferPointer { frozenMatmulBackward(dinp: d.baseAddress!, dout: $0.baseAddress!, m, n: n, scratch: scratch, tileFloats: budget) }
        }
        dxWant.withUnsafeMutableBufferPointer { d in
            dy.withUnsafeBufferPointer { dyp in
                x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer {
                        matmulBackward(dinp: d.baseAddress!, dweight: nil, dout: dyp.baseAddress!, inp: xp.baseAddress!, weight: $0.baseAddress!,
                                       n: n, c: c, oc: oc)
                    }
                }
            }
        }
        #expect(Self.relative(dxGot, dxWant) < 1e-5)
        #expect(scratch.count == 128 * c)
    }

    @Test func inputGradientMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 8)
        let n = 3, c = 20, oc = 24
        let (m, _) = nf4(&rng, rows: oc, columns: c)
        var x = rng.normals(n * c)
        let g = rng.normals(n * oc)
        let scratch = FloatBuffer(count: 0)
        func loss(_ x: [Float]) -> Double {
            var y = [Float](repeating: 0, count: n * oc)
            y.withUnsafeMutableBufferPointer { o in
                x.withUnsafeBufferPointer { frozenMatmulForward(o.baseAddress!, $0.baseAddress!, m, n: n, scratch: scratch) }
            }
            return weightedSum(y, g)
        }
        var analytic = [Float](repeating: 0, count: n * c)
        analytic.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { frozenMatmulBackward(dinp: d.baseAddress!, dout: $0.baseAddress!, m, n: n, scratch: scratch) }
        }
        let numeric = numericGradient(&x, eps: 1e-2, loss)
        #expect(gradientError(analytic, numeric) < 1e-3)
    }

    @Test func aCompactMatrixDecodesTheSameRowsAsAFrozenMatrix() throws {
        var rng = TestRNG(seed: 2)
        let rows = 5, columns = 64
        let levels = (0..<(rows * columns)).map { _ in Int8(rng.next() % 16) }
        let scales = rng.normals(rows * columns / 32, scale: 0.01), offsets = rng.normals(rows * columns / 32, scale: 0.1)
        let m = try #require(levels.withUnsafeBufferPointer { l in
            scales.withUnsafeBufferPointer { s in
                offsets.withUnsafeBufferPointer { o in
                    CompactMatrix.fromLevels(rows: rows, columns: columns, groupSize: 32, levels: l.baseAddress!, scales: s.baseAddress!, offsets: o.baseAddress!)
                }
            }
        })
        #expect(m.format == .q4_1)
        let frozen: any FrozenMatrix = m
        var out = [Float](repeating: .nan, count: 3 * columns)
        out.withUnsafeMutableBufferPointer { frozen.decodeRows(1..<4, into: $0.baseAddress!) }
        #expect(out == m.row(1) + m.row(2) + m.row(3))
        #expect(out[0] == Float(levels[columns]) * scales[2] + offsets[2])
    }
}
