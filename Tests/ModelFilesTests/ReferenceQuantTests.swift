import Foundation
import Testing
@testable import ModelFiles

// Agreement with gguf-py (llama.cpp's Python package) on random blocks: see
// Tests/Fixtures/quants/make_quants.py for how quants.json was made.

private struct QuantFixture: Decodable {
    struct Dequantized: Decodable {
        var type: String
        var count: Int
        var bytes: String
        var values: [Double]
    }

    struct Quantized: Decodable {
        var type: String
        var values: [Double]
        var bytes: String
    }

    var generator: String
    var dequantize: [Dequantized]
    var quantize: [Quantized]
}

private func hexBytes(_ hex: String) -> [UInt8] {
    let chars = Array(hex.utf8)
    return stride(from: 0, to: chars.count, by: 2).map { UInt8(String(decoding: chars[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
}

private func loadFixture() throws -> QuantFixture {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/quants/quants.json").standardized
    return try JSONDecoder().decode(QuantFixture.self, from: Data(contentsOf: url))
}

private func ggmlType(_ name: String) throws -> GGMLType {
    guard let t = GGMLType.allCases.first(where: { $0.name == name }) else {
        throw ModelFileError.invalidTensor(tensor: name, reason: "unknown type in the fixture")
    }
    return t
}

@Test func dequantizationMatchesGGUFPy() throws {
    let fixture = try loadFixture()
    #expect(Set(fixture.dequantize.map(\.type)) == ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K"])
    for case_ in fixture.dequantize {
        let x = try dequantized(hexBytes(case_.bytes), try ggmlType(case_.type), count: case_.count)
        // gguf-py computes in float32 with the same operations in the same order: every
        // value is bit for bit the same (the fixture's doubles are exact float32 values).
        let expected = case_.values.map { Float($0) }
        let differing = zip(x, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }.map(\.offset)
        #expect(x.count == expected.count && differing.isEmpty, "\(case_.type) vs \(fixture.generator): elements \(differing.prefix(8)) differ")
    }
}

@Test func quantizationMatchesGGUFPy() throws {
    let fixture = try loadFixture()
    for case_ in fixture.quantize {
        let bytes = [UInt8](try quantize(case_.values.map { Float($0) }, as: try ggmlType(case_.type)))
        let expected = hexBytes(case_.bytes)
        let differing = zip(bytes, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(bytes.count == expected.count && differing.isEmpty, "\(case_.type): bytes differ at \(differing.prefix(8))")
    }
}
