import Foundation
import Testing
@testable import Tensor

/// Lossless compact weight encodings and the matmul that reads them.
@Suite struct CompactMatrixTests {
    let rows = 7, columns = 96

    /// Weights as the GGUF reader dequantizes Q4_1 blocks: Float(q)·d + m with fp16 d, m.
    func q4_1Weights(_ rng: inout TestRNG) -> [Float] {
        var w = [Float](repeating: 0, count: rows * columns)
        for b in 0..<(rows * columns / 32) {
            // Awkward fp16 scales, so that adding m rounds and the scale search is exercised.
            let d = Float(Float16(0.01 + 0.05 * rng.nextFloat())), m = Float(Float16(-0.8 * rng.nextFloat()))
            for j in 0..<32 {
                let q = j == 0 ? 0 : j == 1 ? 15 : Int(rng.next() % 16)  // ggml blocks span 0…15
                w[32 * b + j] = Float(q) * d + m
            }
        }
        return w
    }

    /// Weights as the reader dequantizes Q8_0 blocks: Float(q)·d with fp16 d.
    func q8_0Weights(_ rng: inout TestRNG) -> [Float] {
        var w = [Float](repeating: 0, count: rows * columns)
        for b in 0..<(rows * columns / 32) {
            let d = Float(Float16(0.001 + 0.01 * rng.nextFloat()))
            for j in 0..<32 {
                let q = j == 0 ? 127 : Int(rng.next() % 255) - 127
                w[32 * b + j] = Float(q) * d
            }
        }
        return w
    }

    func compact(_ w: [Float]) -> CompactMatrix? {
        w.withUnsafeBufferPointer { CompactMatrix.exact($0.baseAddress!, rows: rows, columns: columns) }
    }

    @Test func handWorkedQ4_1BlockDecodes() throws {
        // One row of one block: d = 0.5, m = −2, q[j] = j mod 16 → w[j] = 0.5·(j mod 16) − 2.
        let w = (0..<32).map { Float($0 % 16) * 0.5 - 2 }
        let matrix = try #require(w.withUnsafeBufferPointer { CompactMatrix.exact($0.baseAddress!, rows: 1, columns: 32) })
        #expect(matrix.format == .q4_1)
        #expect(matrix.row(0) == [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5,
                                  -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5])
        #expect(matrix.byteCount == 16 + 8)
    }

    @Test func eachFormatIsChosenAndDecodesBitForBit() throws {
        var rng = TestRNG(seed: 3)
        let bf16 = rng.normals(rows * columns).map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
        for (weights, format) in [(q4_1Weights(&rng), CompactMatrix.Format.q4_1), (q8_0Weights(&rng), .q8_0), (bf16, .bf16)] {
            let matrix = try #require(compact(weights), "\(format)")
            #expect(matrix.format == format)
            let decoded = (0..<rows).flatMap { matrix.row($0) }
            #expect(decoded.map(\.bitPattern) == weights.map(\.bitPattern), "\(format)")
        }
    }

    @Test func inexactWeightsGetNoCompactForm() {
        var rng = TestRNG(seed: 4)
        #expect(compact(rng.normals(rows * columns)) == nil)
        // One weight of a Q4_1 matrix nudged by an ulp (as a fine-tuning step would).
        var w = q4_1Weights(&rng)
        w[rows * columns - 5] = w[rows * columns - 5].nextUp
        if let matrix = compact(w) {
            #expect(matrix.format != .q4_1)
            #expect((0..<rows).flatMap { matrix.row($0) } == w)
        }
    }

    @Test(arguments: [1, 2, 3, 8])
    func compactMatmulEqualsFp32MatmulOnTheSameWeights(m: Int) throws {
        var rng = TestRNG(seed: UInt64(10 + m))
        let bf16 = rng.normals(rows * columns).map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
        let ldOut = rows + 2
        let inp = rng.normals(m * columns), out0 = rng.normals(m * ldOut)
        for weights in [q4_1Weights(&rng), q8_0Weights(&rng), bf16] {
            let matrix = try #require(compact(weights))
            for accumulate in [false, true] {
                let plain = withBuffers([out0, inp, weights]) { p in
                    smallMatmulForward(p[0], p[1], p[2], m: m, c: columns, oc: rows, accumulate: accumulate, ldOut: ldOut)
                }[0]
                let packed = withBuffers([out0, inp]) { p in
                    compactMatmulForward(p[0], p[1], matrix, m: m, accumulate: accumulate, ldOut: ldOut)
                }[0]
                #expect(packed == plain, "\(matrix.format) accumulate \(accumulate)")
            }
        }
    }
}
