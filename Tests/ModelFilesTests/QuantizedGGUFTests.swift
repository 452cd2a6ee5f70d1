import Foundation
import Testing
@testable import ModelFiles

// Tests/Fixtures/quantized/model.gguf (scripts/fixtures/make-quantized-gguf.py): a GGUF
// mixing Q4_K, Q5_K, Q6_K, Q5_0 and Q8_0 matrices, decoded against gguf-py's numbers.

@Suite struct QuantizedGGUFTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/quantized").standardized

    struct Expected: Decodable {
        struct Tensor: Decodable {
            var type: String, shape: [Int], sum: Double, sum_squares: Double, samples: [String: Double]
        }
        var generator: String
        var tensors: [String: Tensor]
    }

    @Test func everyMatrixDecodesBitForBitLikeGGUFPy() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
        let gguf = try GGUFFile(url: Self.folder.appendingPathComponent("model.gguf"))
        #expect(Set(expected.tensors.values.map(\.type)) == ["Q4_K", "Q5_K", "Q6_K", "Q5_0", "Q8_0"])
        for (name, e) in expected.tensors {
            #expect(try gguf.info(name).type.name == e.type)
            let x = try gguf.floats(name, shape: e.shape)
            for (index, value) in e.samples {
                #expect(x[Int(index)!].bitPattern == Float(value).bitPattern, "\(name)[\(index)]")
            }
            let sum = x.reduce(0.0) { $0 + Double($1) }, squares = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            #expect(abs(sum - e.sum) <= 1e-9 * max(1, squares), "\(name) sum \(sum) vs \(e.sum)")
            #expect(abs(squares - e.sum_squares) <= 1e-9 * e.sum_squares, "\(name)")
        }
    }

    @Test func levelsTimesScalesPlusOffsetsAreTheDecodedFloats() throws {
        let gguf = try GGUFFile(url: Self.folder.appendingPathComponent("model.gguf"))
        for t in gguf.tensors where t.shape.count == 2 {
            let x = try gguf.floats(t.name)
            let (levels, scales, offsets, group) = try #require(try gguf.levels(t.name))
            #expect(group == (t.type == .q6_K ? 16 : 32))
            let same = levels.indices.allSatisfy { i in
                (Float(levels[i]) * scales[i / group] + offsets[i / group]).bitPattern == x[i].bitPattern
            }
            #expect(same, "\(t.name) (\(t.type.name))")
        }
    }
}
