import Foundation
import Testing
@testable import ModelFiles

// Damaged files: every failure is a ModelFileError naming the file (and the tensor where
// there is one), never a crash.

let tinyGGUF = fixtures.appendingPathComponent("tiny-llama/model.gguf")
let tinySafetensors = fixtures.appendingPathComponent("tiny-llama/model.safetensors")

/// Parses `data` as a GGUF named `name` and returns the error it throws (nil if none).
func ggufError(_ data: Data, name: String = "cut.gguf") -> ModelFileError? {
    do {
        _ = try GGUFFile(url: URL(fileURLWithPath: "/nowhere/\(name)"), data: data)
        return nil
    } catch let error as ModelFileError {
        return error
    } catch {
        Issue.record("not a ModelFileError: \(error)")
        return nil
    }
}

/// Index just past the first occurrence of `needle` in `data`.
func position(after needle: String, in data: Data) -> Int {
    let n = Array(needle.utf8)
    let bytes = [UInt8](data)
    for i in 0...(bytes.count - n.count) where bytes[i..<(i + n.count)].elementsEqual(n) { return i + n.count }
    Issue.record("\(needle) not found")
    return 0
}

func patch<T: FixedWidthInteger>(_ data: Data, at offset: Int, _ value: T) -> Data {
    var copy = data
    withUnsafeBytes(of: value.littleEndian) { copy.replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: $0) }
    return copy
}

@Test func truncatedGGUFAtEveryPointOfTheHeader() throws {
    let data = try Data(contentsOf: tinyGGUF)
    let file = try GGUFFile(url: tinyGGUF, data: data)
    // Every cut through the header, metadata and descriptors, then cuts through the data.
    let dataCuts = stride(from: file.dataOffset + 1, to: data.count, by: (data.count - file.dataOffset) / 25)
    for cut in Array(0...file.dataOffset) + Array(dataCuts) + [data.count - 1] {
        guard let error = ggufError(data.prefix(cut)) else {
            Issue.record("a file cut at \(cut) of \(data.count) bytes was accepted")
            continue
        }
        let message = error.localizedDescription
        #expect(message.contains("/nowhere/cut.gguf"), "cut at \(cut): \(message)")
        if cut > file.dataOffset {
            // In the data section the error names the tensor that does not fit.
            guard case let .truncated(_, what) = error, what.contains("tensor '") else {
                Issue.record("cut at \(cut): \(message)")
                continue
            }
        }
    }
}

@Test func badMagicVersionAndTypes() throws {
    let data = try Data(contentsOf: tinyGGUF)
    #expect(ggufError(patch(data, at: 0, UInt32(0x4747_5546)), name: "m.gguf") == .badMagic(file: "/nowhere/m.gguf", found: "FUGG"))
    #expect(ggufError(Data("PK\u{3}\u{4}".utf8), name: "z.gguf") == .badMagic(file: "/nowhere/z.gguf", found: "PK\u{3}\u{4}"))
    #expect(ggufError(patch(data, at: 4, UInt32(1)), name: "v.gguf") == .unsupportedVersion(file: "/nowhere/v.gguf", version: 1))

    // The descriptor of output_norm.weight (rank 1): name, u32 rank, u64 dim, u32 type, u64 offset.
    let afterName = position(after: "output_norm.weight", in: data)
    let typeField = afterName + 4 + 8
    #expect(ggufError(patch(data, at: typeField, UInt32(99)), name: "t.gguf")
        == .unknownTensorType(file: "/nowhere/t.gguf", tensor: "output_norm.weight", type: 99))
    // Data beyond the end: an offset far past the file, and one just past it.
    for offset in [UInt64(1) << 60, UInt64(data.count)] {
        guard case let .truncated(file, what) = ggufError(patch(data, at: typeField + 4, offset), name: "o.gguf") else {
            Issue.record("offset \(offset) was accepted")
            continue
        }
        #expect(file == "/nowhere/o.gguf" && what.contains("output_norm.weight"))
    }
    // Absurd counts are refused before allocating: tensor count, and a huge dimension.
    guard case .malformed = ggufError(patch(data, at: 8, UInt64(1) << 40)) else {
        Issue.record("a tensor count of 2^40 was accepted")
        return
    }
    guard case .malformed = ggufError(patch(data, at: afterName + 4, UInt64(1) << 45)) else {
        Issue.record("a dimension of 2^45 was accepted")
        return
    }
}

@Test func unsupportedTypeNamesFileAndTensor() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var w = GGUFWriter()
    try w.addRaw("blk.0.ffn_up.weight", bytes: Data(count: 110), shape: [1, 256], type: .q3_K)
    let url = dir.appendingPathComponent("q3.gguf")
    try w.write(to: url)
    let file = try GGUFFile(url: url)
    #expect(throws: ModelFileError.unsupportedTensorType(file: url.path, tensor: "blk.0.ffn_up.weight", type: "Q3_K")) {
        try file.floats("blk.0.ffn_up.weight")
    }
    #expect(throws: ModelFileError.missingTensor(file: url.path, tensor: "nope")) { try file.floats("nope") }
}

/// Opens `data` written to `dir/name` as safetensors and returns the error it throws.
func safetensorsError(_ data: Data, in dir: URL, name: String = "bad.safetensors") throws -> ModelFileError? {
    let url = dir.appendingPathComponent(name)
    try data.write(to: url)
    do {
        _ = try SafetensorsFile(url: url)
        return nil
    } catch let error as ModelFileError {
        #expect(error.localizedDescription.contains(url.path))
        return error
    }
}

/// A safetensors file with the given header JSON and `dataBytes` zero bytes of data.
func safetensors(header: String, dataBytes: Int) -> Data {
    var w = ByteWriter()
    w.write(UInt64(header.utf8.count))
    w.data.append(contentsOf: Array(header.utf8))
    w.data.append(Data(count: dataBytes))
    return w.data
}

@Test func damagedSafetensors() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try Data(contentsOf: tinySafetensors)
    // Cut at many points, header and data.
    for cut in stride(from: 0, to: data.count, by: 997) {
        #expect(try safetensorsError(data.prefix(cut), in: dir) != nil, "cut at \(cut)")
    }
    // The header size lies: larger than the file, or smaller than the JSON.
    guard case .malformed = try safetensorsError(patch(data, at: 0, UInt64(data.count)), in: dir) else {
        Issue.record("a header longer than the file was accepted")
        return
    }
    let headerLength = data.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
    guard case .malformed = try safetensorsError(patch(data, at: 0, UInt64(headerLength - 10)), in: dir) else {
        Issue.record("a header shorter than its JSON was accepted")
        return
    }
    // Data beyond the end names the tensor.
    let beyond = safetensors(header: #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, dataBytes: 12)
    guard case let .truncated(_, what) = try safetensorsError(beyond, in: dir), what.contains("'w'") else {
        Issue.record("data past the end was accepted")
        return
    }
    // Shape and byte count disagree; negative and overflowing shapes; reversed offsets; unknown dtype.
    for header in [
        #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#,
        #"{"w":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]}}"#,
        #"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}"#,
        #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[16,0]}}"#,
        #"{"w":{"dtype":"F32","shape":[2,2]}}"#,
        #"[1, 2]"#,
    ] {
        guard case .malformed = try safetensorsError(safetensors(header: header, dataBytes: 16), in: dir) else {
            Issue.record("accepted: \(header)")
            continue
        }
    }
    #expect(try safetensorsError(safetensors(header: #"{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, dataBytes: 16), in: dir)
        == .unsupportedTensorType(file: dir.appendingPathComponent("bad.safetensors").path, tensor: "w", type: "I64"))

    // The shape check names file, tensor, expected and found shapes.
    let st = try SafetensorsFile(url: tinySafetensors)
    #expect(throws: ModelFileError.shapeMismatch(file: tinySafetensors.path, tensor: "model.norm.weight", expected: [65], found: [64])) {
        try st.floats("model.norm.weight", shape: [65])
    }
}
