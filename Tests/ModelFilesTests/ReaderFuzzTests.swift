import Foundation
import Testing
@testable import ModelFiles

// Seeded random input for the GGUF and safetensors readers: the tiny model's files with
// header bytes flipped, integer fields overwritten with extreme values, cut short, headers
// rewritten with odd JSON, and random bytes behind a valid magic. A reader may refuse a file
// (a ModelFileError naming it) but never crash; a file it accepts must dequantize every
// tensor or refuse that too. Deterministic: the same seeds give the same files every run.

/// SplitMix64: a tiny seeded generator for the mutations.
struct FuzzRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Integers that sit on the edges of sizes, counts and offsets.
let extremeIntegers: [UInt64] = [0, 1, 2, 3, 4, 31, 32, 255, 256, 4095, 65535, 1 << 31, (1 << 32) - 1, 1 << 32,
                                 1 << 40, 1 << 50, (1 << 62) + 1, 1 << 63, UInt64.max, UInt64.max - 7]

/// `data` with one seeded mutation inside `region` (byte offsets).
func mutated(_ data: Data, region: Range<Int>, _ rng: inout FuzzRandom) -> Data {
    var bytes = [UInt8](data)
    switch Int.random(in: 0..<4, using: &rng) {
    case 0:  // flip a few bytes
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            bytes[Int.random(in: region, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        }
    case 1:  // an extreme 64-bit value
        let at = Int.random(in: region.lowerBound..<(region.upperBound - 8), using: &rng)
        withUnsafeBytes(of: extremeIntegers.randomElement(using: &rng)!.littleEndian) { bytes.replaceSubrange(at..<(at + 8), with: $0) }
    case 2:  // an extreme 32-bit value
        let at = Int.random(in: region.lowerBound..<(region.upperBound - 4), using: &rng)
        let value = UInt32(truncatingIfNeeded: extremeIntegers.randomElement(using: &rng)!)
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
    default:  // cut short
        bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
    }
    return Data(bytes)
}

@Test func ggufReaderNeverCrashesOnMutatedFiles() throws {
    let original = try Data(contentsOf: tinyGGUF)
    let header = try GGUFFile(url: tinyGGUF, data: original).dataOffset
    var refused = 0, read = 0
    for seed in UInt64(0)..<200 {
        var rng = FuzzRandom(state: seed)
        var data = mutated(original, region: 0..<header, &rng)
        if seed % 10 == 9 {
            // Random bytes behind a valid magic and version
            data = Data("GGUF".utf8) + Data([3, 0, 0, 0]) + Data((0..<Int.random(in: 0...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        do {
            let file = try GGUFFile(url: URL(fileURLWithPath: "/nowhere/fuzz-\(seed).gguf"), data: data)
            read += 1
            for tensor in file.tensors {
                do { _ = try file.floats(tensor.name) } catch let error as ModelFileError {
                    #expect(error.localizedDescription.contains("fuzz-\(seed).gguf"))
                }
            }
            _ = try? HFConfig(gguf: file)
        } catch let error as ModelFileError {
            refused += 1
            #expect(error.localizedDescription.contains("/nowhere/fuzz-\(seed).gguf"), "seed \(seed): \(error.localizedDescription)")
        }
    }
    #expect(refused > 20 && read > 20, "refused \(refused), read \(read)")
}

@Test func safetensorsReaderNeverCrashesOnMutatedFiles() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let original = try Data(contentsOf: tinySafetensors)
    let headerLength = original.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
    let json = String(decoding: original[8..<(8 + headerLength)], as: UTF8.self)
    let oddValues = ["-1", "1e300", "9223372036854775807", "[]", "{}", "null", "\"F16\"", "\"BF16\"", "\"I64\"", "[1,-1]", "[0,0]",
                     "[[1]]", "1.5", "\"\\u0000\""]
    var refused = 0, read = 0
    for seed in UInt64(0)..<150 {
        var rng = FuzzRandom(state: seed &* 31 &+ 5)
        var data: Data
        switch seed % 3 {
        case 0:
            data = mutated(original, region: 0..<(8 + headerLength), &rng)
        case 1:
            // A number or value in the header JSON replaced by an odd one (length kept right)
            let scalars = Array(json)
            let digits = scalars.indices.filter { scalars[$0].isNumber || scalars[$0] == "\"" }
            let at = digits.randomElement(using: &rng)!
            var end = at + 1
            while end < scalars.count, scalars[end].isNumber { end += 1 }
            let edited = String(scalars[..<at]) + oddValues.randomElement(using: &rng)! + String(scalars[end...])
            data = safetensors(header: edited, dataBytes: original.count - 8 - headerLength)
        default:
            // A small header of random structure over a little data
            let dtype = ["F32", "F16", "BF16", "Q4", ""].randomElement(using: &rng)!
            let shape = (0..<Int.random(in: 0...3, using: &rng)).map { _ in String(extremeIntegers.randomElement(using: &rng)! % 70 &- 2) }
            let begin = Int.random(in: -2...40, using: &rng), end = Int.random(in: -2...80, using: &rng)
            let header = #"{"t": {"dtype": "\#(dtype)", "shape": [\#(shape.joined(separator: ","))], "data_offsets": [\#(begin), \#(end)]}}"#
            data = safetensors(header: header, dataBytes: Int.random(in: 0...64, using: &rng))
        }
        let url = dir.appendingPathComponent("fuzz-\(seed).safetensors")
        try data.write(to: url)
        do {
            let file = try SafetensorsFile(url: url)
            read += 1
            for tensor in file.tensors {
                do { _ = try file.floats(tensor.name) } catch let error as ModelFileError {
                    #expect(error.localizedDescription.contains("fuzz-\(seed).safetensors"))
                }
            }
        } catch let error as ModelFileError {
            refused += 1
            #expect(error.localizedDescription.contains("fuzz-\(seed).safetensors"), "seed \(seed): \(error.localizedDescription)")
        }
    }
    // Most mutations break the JSON header; the unmutated file still reads
    #expect(refused > 20, "refused \(refused), read \(read)")
    #expect(try SafetensorsFile(url: tinySafetensors).tensors.count > 0)
}
