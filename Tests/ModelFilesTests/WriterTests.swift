import Foundation
import Testing
@testable import ModelFiles

// Writers: write → read → identical, and quantize → dequantize within ggml's error bounds.

func scratchDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-modelfiles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Deterministic values in [-scale, scale) (a 64-bit LCG, so the tests need no RNG state).
func pseudoRandom(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var s = seed
    return (0..<n).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return (Float(s >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}

@Test func safetensorsRoundTrip() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = pseudoRandom(6 * 4, seed: 1)
    let b = pseudoRandom(5, seed: 2, scale: 100)
    let c = pseudoRandom(3 * 2, seed: 3)
    var w = SafetensorsWriter(metadata: ["format": "pt", "note": "日本語のメモ/slash"])
    try w.add("model.layers.0.mlp.up_proj.weight", a, shape: [6, 4])
    try w.add("half", b, shape: [5], as: .f16)
    try w.add("brain", c, shape: [3, 2], as: .bf16)
    let url = dir.appendingPathComponent("m.safetensors")
    try w.write(to: url)

    let file = try SafetensorsFile(url: url)
    #expect(file.metadata == ["format": "pt", "note": "日本語のメモ/slash"])
    #expect(try file.floats("model.layers.0.mlp.up_proj.weight", shape: [6, 4]) == a)
    // F16 and BF16 store the nearest representable value.
    #expect(try file.floats("half") == b.map { Float(Float16($0)) })
    #expect(try file.floats("brain") == c.map { bf16ToFloat(floatToBF16($0)) })
    #expect(try file.info("brain").dtype == .bf16)

    // Data starts at a multiple of 8; writing again gives the same bytes.
    let bytes = try Data(contentsOf: url)
    let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    #expect((8 + headerLength) % 8 == 0)
    #expect(try w.encoded() == bytes)
    // No temporary file is left beside it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.safetensors"])
}

@Test func bf16RoundsToNearestEven() {
    // 1 + 2^-8 lies halfway between bf16 1.0 (0x3F80) and 1 + 2^-7 (0x3F81): ties go to even 0x3F80.
    #expect(floatToBF16(1 + 0x1p-8) == 0x3F80)
    // (1 + 2^-7) + 2^-8 lies halfway between 0x3F81 and 0x3F82: ties go to even 0x3F82.
    #expect(floatToBF16(1 + 0x1p-7 + 0x1p-8) == 0x3F82)
    // Just above the halfway point rounds up.
    #expect(floatToBF16(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
    #expect(bf16ToFloat(floatToBF16(.nan)).isNaN)
}

@Test func ggufRoundTrip() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var w = GGUFWriter()
    let metadata: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")),
        ("general.name", .string("小さなモデル")),
        ("u8", .uint8(200)), ("i8", .int8(-100)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)),
        ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))),
        ("f32", .float32(1e-5)), ("f64", .float64(0.1)), ("yes", .bool(true)), ("no", .bool(false)),
        ("tokens", .array(.string, [.string("<|im_start|>"), .string("こんにちは"), .string("")])),
        ("scores", .array(.float32, [.float32(-1.5), .float32(0)])),
        ("nested", .array(.array, [.array(.int32, [.int32(1), .int32(2)]), .array(.int32, [])])),
        ("empty", .array(.uint8, [])),
    ]
    for (k, v) in metadata { try w.set(k, v) }
    let emb = pseudoRandom(10 * 64, seed: 4, scale: 0.5)
    let norm = pseudoRandom(64, seed: 5)
    let q = pseudoRandom(8 * 64, seed: 6, scale: 0.2)
    try w.add("token_embd.weight", emb, shape: [10, 64], as: .q8_0)
    try w.add("output_norm.weight", norm, shape: [64])
    try w.add("blk.0.attn_q.weight", q, shape: [8, 64], as: .q4_1)
    try w.add("blk.0.attn_k.weight", q, shape: [8, 64], as: .q4_0)
    try w.add("blk.0.attn_v.weight", q, shape: [8, 64], as: .f16)
    let url = dir.appendingPathComponent("tiny.gguf")
    try w.write(to: url)

    let file = try GGUFFile(url: url)
    #expect(file.version == 3)
    #expect(file.metadataKeys == metadata.map(\.0))
    for (k, v) in metadata { #expect(file.metadata[k] == v, "\(k)") }
    #expect(file.tensors.map(\.name) == ["token_embd.weight", "output_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"])
    let info = try file.info("token_embd.weight")
    #expect(info.shape == [10, 64] && info.dimensions == [64, 10] && info.type == .q8_0)
    #expect(file.tensors.allSatisfy { $0.offset % file.alignment == 0 })
    #expect(try file.floats("output_norm.weight") == norm)
    // The stored bytes are exactly what the quantizer produced.
    #expect(try file.rawBytes("blk.0.attn_q.weight") == quantize(q, as: .q4_1))
    #expect(try file.floats("blk.0.attn_v.weight") == q.map { Float(Float16($0)) })
    #expect(try w.encoded() == Data(contentsOf: url))

    // Copying raw tensors into a new file preserves them bit for bit.
    var copy = GGUFWriter()
    try copy.set("general.alignment", .uint32(64))
    for t in file.tensors { try copy.addRaw(t.name, bytes: try file.rawBytes(t.name), shape: t.shape, type: t.type) }
    let copyURL = dir.appendingPathComponent("copy.gguf")
    try copy.write(to: copyURL)
    let copied = try GGUFFile(url: copyURL)
    #expect(copied.alignment == 64 && copied.dataOffset % 64 == 0)
    for t in file.tensors { #expect(try copied.floats(t.name) == file.floats(t.name), "\(t.name)") }
}

@Test func quantizeDequantizeErrorBounds() throws {
    // Blocks with different ranges, including an all-zero block and a constant block.
    let x = pseudoRandom(32 * 62, seed: 7, scale: 3) + [Float](repeating: 0, count: 32) + [Float](repeating: -0.75, count: 32)
    for type in [GGMLType.q8_0, .q4_0, .q4_1] {
        let y = try dequantized([UInt8](try quantize(x, as: type)), type, count: x.count)
        for b in 0..<(x.count / 32) {
            let block = x[(32 * b)..<(32 * b + 32)]
            let lo = block.min()!, hi = block.max()!, amax = block.map(abs).max()!
            // Step d of each format, and the allowed error: half a step for rounding
            // (a whole step for Q4_0, whose largest-|x| end is clamped from 16 to 15),
            // plus the binary16 rounding of d and the min (relative 2^-11 each, times at most 15 or 127 steps).
            let bound: Float = switch type {
            case .q8_0: amax / 127 / 2 + amax * 0x1p-10
            case .q4_0: amax / 8 + amax * 0x1p-10
            default: (hi - lo) / 15 / 2 + (hi - lo) * 0x1p-10 + abs(lo) * 0x1p-10
            }
            for i in block.indices {
                #expect(abs(y[i] - x[i]) <= bound + 1e-7, "\(type.name) block \(b) element \(i): \(x[i]) → \(y[i]), bound \(bound)")
            }
        }
        #expect(y[(62 * 32)..<(63 * 32)].allSatisfy { $0 == 0 }, "\(type.name) zero block")
    }
    // Values on a Q8_0 grid with a binary16 step come back exactly: d = 0.5, q = -127...127.
    let grid = (0..<32).map { (j: Int) -> Float in Float(j * 8 - 127) * 0.5 }
    #expect(grid.max()! == 60.5 && grid.min()! == -63.5)  // so max|x| = 63.5 = 127 * 0.5
    #expect(try dequantized([UInt8](quantize(grid, as: .q8_0)), .q8_0, count: 32) == grid)
    // A Q4_1 grid: min -1, d = 0.25, codes 0...15 → exact.
    let grid4 = (0..<32).map { (j: Int) -> Float in Float(j % 16) * 0.25 - 1 }
    #expect(try dequantized([UInt8](quantize(grid4, as: .q4_1)), .q4_1, count: 32) == grid4)
}

@Test func writersRefuseBadTensors() throws {
    var w = GGUFWriter()
    try w.add("a", [1, 2], shape: [2])
    #expect(throws: ModelFileError.invalidTensor(tensor: "a", reason: "added twice")) { try w.add("a", [1, 2], shape: [2]) }
    #expect(throws: ModelFileError.self) { try w.add("b", [1, 2, 3], shape: [2]) }
    #expect(throws: ModelFileError.self) { try w.add("c", [Float](repeating: 0, count: 48), shape: [3, 16], as: .q8_0) }
    #expect(throws: ModelFileError.self) { try w.add("d", [Float](repeating: .nan, count: 32), shape: [32], as: .q4_1) }
    #expect(throws: ModelFileError.self) { try w.add("e", [Float](repeating: 1e6, count: 32), shape: [32], as: .f16) }
    #expect(throws: ModelFileError.self) { try w.add("f", [Float](repeating: 0, count: 256), shape: [256], as: .q4_K) }
    #expect(throws: ModelFileError.self) { try w.set("bad", .array(.int32, [.string("x")])) }
    #expect(throws: ModelFileError.self) { try w.set("general.alignment", .uint32(24)) }
    var s = SafetensorsWriter()
    #expect(throws: ModelFileError.self) { try s.add("x", [1, 2, 3], shape: [2, 2]) }
    #expect(throws: ModelFileError.self) { try s.add("__metadata__", [1], shape: [1]) }
}
