import Foundation

// Conversion of stored ggml tensors to Float32. Block layouts follow ggml
// (`ggml-common.h` structs, `ggml-quants.c` dequantize_row_*); one decoder per family in
// QuantBlocks.swift (32-element blocks) and KQuantBlocks.swift (256-element super-blocks).
// Elements come out in stored order, which for a matrix is numpy row-major [rows, cols].

/// Decodes `blocks` consecutive blocks starting at `src` into `dst`.
typealias BlockDecoder = (_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) -> Void

/// The ggml types Rounds can convert to Float32.
public let dequantizableTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q4_K, .q5_K, .q6_K]

func blockDecoder(for type: GGMLType) -> BlockDecoder? {
    switch type {
    case .f32: return decodeF32
    case .f16: return decodeF16
    case .bf16: return decodeBF16
    case .q8_0: return decodeQ8_0
    case .q4_0: return decodeQ4_0
    case .q4_1: return decodeQ4_1
    case .q5_0: return decodeQ5_0
    case .q4_K: return decodeQ4_K
    case .q5_K: return decodeQ5_K
    case .q6_K: return decodeQ6_K
    default: return nil
    }
}

/// Converts `count` elements of type `type` stored in `raw` to Float32 in `out`.
/// Large tensors are split into chunks of whole blocks decoded in parallel.
/// `file` and `tensor` only name the source in errors.
public func dequantize(
    _ raw: UnsafeRawBufferPointer, type: GGMLType, count: Int, into out: UnsafeMutablePointer<Float>,
    file: String = "(memory)", tensor: String = "(unnamed)"
) throws {
    guard let decode = blockDecoder(for: type) else {
        throw ModelFileError.unsupportedTensorType(file: file, tensor: tensor, type: type.name)
    }
    let (perBlock, blockBytes) = type.blockLayout
    guard count >= 0, count % perBlock == 0 else {
        throw ModelFileError.malformed(
            file: file, what: "tensor '\(tensor)' has \(count) elements, not a multiple of the \(type.name) block size \(perBlock)")
    }
    let blocks = count / perBlock
    guard raw.count >= blocks * blockBytes else {
        throw ModelFileError.truncated(file: file, what: "the data of tensor '\(tensor)' (\(raw.count) of \(blocks * blockBytes) bytes)")
    }
    guard blocks > 0, let base = raw.baseAddress else { return }

    // Below ~64k elements thread start-up costs more than it saves.
    let chunks = count < 1 << 16 ? 1 : min(blocks, ProcessInfo.processInfo.activeProcessorCount * 4)
    if chunks == 1 {
        decode(base, out, blocks)
        return
    }
    let perChunk = (blocks + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let first = c * perChunk
        let n = min(perChunk, blocks - first)
        if n > 0 { decode(base + first * blockBytes, out + first * perBlock, n) }
    }
}

extension GGUFFile {
    /// A tensor converted to Float32, numpy order (row-major `info.shape`).
    public func floats(_ name: String) throws -> [Float] {
        let n = try info(name).elementCount
        return try [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            try floats(name, into: buffer)
            initialized = n
        }
    }

    /// Dequantizes a tensor straight into `out` (e.g. a view of a parameter buffer),
    /// which must hold exactly its element count.
    public func floats(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
        try withRawBytes(name) { raw, info in
            guard out.count == info.elementCount, let base = out.baseAddress else {
                throw ModelFileError.shapeMismatch(file: url.path, tensor: name, expected: [out.count], found: info.shape)
            }
            try dequantize(raw, type: info.type, count: info.elementCount, into: base, file: url.path, tensor: name)
        }
    }

    /// A tensor converted to Float32 after checking its numpy-order shape.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let found = try info(name).shape
        guard found == shape else {
            throw ModelFileError.shapeMismatch(file: url.path, tensor: name, expected: shape, found: found)
        }
        return try floats(name)
    }
}

// MARK: - Plain floating-point "blocks" (one element each)

private func decodeF32(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    // Stored little-endian, like the host.
    UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: 4 * n)
}

private func decodeF16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    halfToFloatTable.withUnsafeBufferPointer { table in
        for i in 0..<n {
            dst[i] = table[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
        }
    }
}

private func decodeBF16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n {
        dst[i] = bf16ToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
    }
}
