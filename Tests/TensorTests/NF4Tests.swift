import Foundation
import Testing
@testable import Tensor

/// NF4 against the reference of scripts/fixtures/make-nf4.py (Tests/Fixtures/nf4): levels built
/// from normal quantiles as bitsandbytes builds them, and bitsandbytes' blockwise quantization
/// (blocks of 64 over the flattened matrix, absmax, nearest level) written in numpy.
@Suite struct NF4Tests {
    struct Reference {
        var levels: [Float], rows: Int, columns: Int, weights: [Float], codes: [Int], packed: [Int], absmax: [Float], dequantized: [Float]

        init() throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/nf4/nf4.json")
            let j = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            func floats(_ key: String) -> [Float] { (j[key] as! [Double]).map(Float.init) }
            levels = floats("levels")
            rows = j["rows"] as! Int
            columns = j["columns"] as! Int
            weights = floats("weights")
            codes = j["codes"] as! [Int]
            packed = j["packed"] as! [Int]
            absmax = floats("absmax")
            dequantized = floats("dequantized")
        }
    }

    @Test func levelsAreTheNormalQuantilesOfTheReference() throws {
        let r = try Reference()
        #expect(NF4Matrix.levels.map(\.bitPattern) == r.levels.map(\.bitPattern))
        #expect(NF4Matrix.levels.first == -1 && NF4Matrix.levels[7] == 0 && NF4Matrix.levels.last == 1)
    }

    @Test func quantizeAndDequantizeMatchTheReferenceExactly() throws {
        let r = try Reference()
        let m = r.weights.withUnsafeBufferPointer { NF4Matrix($0.baseAddress!, rows: r.rows, columns: r.columns) }
        // 480 weights: 7 full blocks and a half block, blocks straddling rows.
        #expect(m.blockCount == 8 && r.absmax.count == 8)
        #expect((0..<m.blockCount).map { m.absmax[$0].bitPattern } == r.absmax.map(\.bitPattern))
        #expect((0..<(r.rows * r.columns)).map { Int(m.code($0)) } == r.codes)
        #expect((0..<r.packed.count).map { Int(m.packed[$0]) } == r.packed)
        var decoded = [Float](repeating: .nan, count: r.rows * r.columns)
        decoded.withUnsafeMutableBufferPointer { m.decodeRows(0..<r.rows, into: $0.baseAddress!) }
        #expect(decoded.map(\.bitPattern) == r.dequantized.map(\.bitPattern))
        // A few rows from the middle land in the same place.
        var middle = [Float](repeating: .nan, count: 2 * r.columns)
        middle.withUnsafeMutableBufferPointer { m.decodeRows(3..<5, into: $0.baseAddress!) }
        #expect(middle.map(\.bitPattern) == Array(r.dequantized[(3 * r.columns)..<(5 * r.columns)]).map(\.bitPattern))
        #expect(m.byteCount == 240 + 8 * 4)
    }

    @Test func handWorkedBlock() {
        // absmax 2: w/absmax = 1, −1, 0, 0.3 → levels 15, 0, 7, and 0.3379… (11, nearer than 0.2461…).
        var w: [Float] = [2, -2, 0, 0.6]
        w += [Float](repeating: 0.01, count: 60)
        let m = w.withUnsafeBufferPointer { NF4Matrix($0.baseAddress!, rows: 1, columns: 64) }
        #expect(m.absmax[0] == 2)
        #expect([m.code(0), m.code(1), m.code(2), m.code(3)] == [15, 0, 7, 11])
        #expect(m.packed[0] == 0xF0 && m.packed[1] == 0x7B)
        var out = [Float](repeating: 0, count: 64)
        out.withUnsafeMutableBufferPointer { m.decodeRows(0..<1, into: $0.baseAddress!) }
        #expect(out[0] == 2 && out[1] == -2 && out[2] == 0 && out[3] == 0.33791524171829224 * 2)
        // 0.01 / 2 = 0.005 is nearest to the level 0.
        #expect(out[4] == 0)
    }

    @Test func anAllZeroBlockDecodesToZeros() {
        let w = [Float](repeating: 0, count: 128)
        let m = w.withUnsafeBufferPointer { NF4Matrix($0.baseAddress!, rows: 2, columns: 64) }
        var out = [Float](repeating: .nan, count: 128)
        out.withUnsafeMutableBufferPointer { m.decodeRows(0..<2, into: $0.baseAddress!) }
        #expect(out.allSatisfy { $0 == 0 } && m.code(5) == 7)
    }

    @Test func quantizationErrorIsBoundedByHalfTheWidestGap() {
        var rng = TestRNG(seed: 11)
        let w = rng.normals(64 * 40, scale: 0.05)
        let m = w.withUnsafeBufferPointer { NF4Matrix($0.baseAddress!, rows: 40, columns: 64) }
        var out = [Float](repeating: 0, count: w.count)
        out.withUnsafeMutableBufferPointer { m.decodeRows(0..<40, into: $0.baseAddress!) }
        let widest = zip(NF4Matrix.levels.dropFirst(), NF4Matrix.levels).map { $0 - $1 }.max()!
        for b in 0..<40 {
            let absmax = m.absmax[b]
            for i in (64 * b)..<(64 * b + 64) { #expect(abs(out[i] - w[i]) <= absmax * widest / 2 * 1.0001) }
        }
    }
}
