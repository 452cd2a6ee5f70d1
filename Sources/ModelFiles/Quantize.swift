import Foundation

// Float32 → ggml storage, the inverse of Dequantize.swift for the types Rounds writes.
// The quantizers follow ggml's reference `quantize_row_*_ref` (ggml-quants.c) so files
// written here decode the same in llama.cpp:
//   Q8_0: d = max|x| / 127, q = round(x / d)                          error ≤ d/2
//   Q4_0: d = -m / 8 where m is the element of largest |x| (sign kept),
//         q = min(15, trunc(x / d + 8.5))                            error ≤ |d| (one end clamps)
//   Q4_1: d = (max - min) / 15, q = min(15, trunc((x - min) / d + 0.5)) error ≤ d/2
// plus the rounding of d (and min) to binary16.

/// The ggml types Rounds can write from Float32.
public let quantizableTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

typealias BlockEncoder = (_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) -> Void

func blockEncoder(for type: GGMLType) -> BlockEncoder? {
    switch type {
    case .f32: return encodeF32
    case .f16: return encodeF16
    case .bf16: return encodeBF16
    case .q8_0: return encodeQ8_0
    case .q4_0: return encodeQ4_0
    case .q4_1: return encodeQ4_1
    default: return nil
    }
}

/// Encodes `values` as `type`; `values.count` must be a whole number of blocks.
/// `tensor` names the tensor in errors.
public func quantize(_ values: [Float], as type: GGMLType, tensor: String = "(unnamed)") throws -> Data {
    guard let encode = blockEncoder(for: type) else {
        throw ModelFileError.invalidTensor(tensor: tensor, reason: "Rounds cannot write type \(type.name) (it writes F32, F16, BF16, Q8_0, Q4_0, Q4_1)")
    }
    let (perBlock, blockBytes) = type.blockLayout
    guard values.count % perBlock == 0 else {
        throw ModelFileError.invalidTensor(
            tensor: tensor, reason: "\(values.count) elements are not a whole number of \(type.name) blocks of \(perBlock)")
    }
    if type != .f32 && type != .bf16 {
        // Scales (and F16 values) are binary16: larger magnitudes would become infinity.
        if let bad = values.firstIndex(where: { !(abs($0) <= 65504) }) {
            throw ModelFileError.invalidTensor(
                tensor: tensor, reason: "element \(bad) is \(values[bad]), outside the binary16 range that \(type.name) can store")
        }
    }
    let blocks = values.count / perBlock
    var out = Data(count: blocks * blockBytes)
    guard blocks > 0 else { return out }
    values.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBytes { dst in
            let chunks = values.count < 1 << 16 ? 1 : min(blocks, ProcessInfo.processInfo.activeProcessorCount * 4)
            let perChunk = (blocks + chunks - 1) / chunks
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let first = c * perChunk
                let n = min(perChunk, blocks - first)
                if n > 0 { encode(src.baseAddress! + first * perBlock, dst.baseAddress! + first * blockBytes, n) }
            }
        }
    }
    return out
}

@inline(__always)
private func storeHalf(_ x: Float, _ p: UnsafeMutableRawPointer, _ offset: Int) {
    p.storeBytes(of: floatToHalf(x).littleEndian, toByteOffset: offset, as: UInt16.self)
}

private func encodeF32(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ n: Int) {
    dst.copyMemory(from: src, byteCount: 4 * n)
}

private func encodeF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ n: Int) {
    for i in 0..<n { storeHalf(src[i], dst, 2 * i) }
}

private func encodeBF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ n: Int) {
    for i in 0..<n { dst.storeBytes(of: floatToBF16(src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
}

private func encodeQ8_0(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let x = src + 32 * b
        let p = dst + 34 * b
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, p, 0)
        for j in 0..<32 {
            p.storeBytes(of: Int8((x[j] * id).rounded()), toByteOffset: 2 + j, as: Int8.self)
        }
    }
}

private func encodeQ4_0(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let x = src + 32 * b
        let p = dst + 18 * b
        var amax: Float = 0, signedMax: Float = 0
        for j in 0..<32 where abs(x[j]) > amax {
            amax = abs(x[j])
            signedMax = x[j]
        }
        let d = signedMax / -8
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, p, 0)
        for j in 0..<16 {
            let lo = min(15, UInt8(x[j] * id + 8.5))
            let hi = min(15, UInt8(x[j + 16] * id + 8.5))
            p.storeBytes(of: lo | hi << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }
}

private func encodeQ4_1(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let x = src + 32 * b
        let p = dst + 20 * b
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            lo = min(lo, x[j])
            hi = max(hi, x[j])
        }
        let d = (hi - lo) / 15
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, p, 0)
        storeHalf(lo, p, 2)
        for j in 0..<16 {
            let a = min(15, UInt8((x[j] - lo) * id + 0.5))
            let c = min(15, UInt8((x[j + 16] - lo) * id + 0.5))
            p.storeBytes(of: a | c << 4, toByteOffset: 4 + j, as: UInt8.self)
        }
    }
}
