import Foundation

// GGUF, the file format of llama.cpp: a header, typed key/value metadata, tensor
// descriptors, then aligned tensor data. Layout reference: ggml `docs/gguf.md`.
// All integers are little-endian. Dimensions are stored ggml-style, fastest first
// (`ne[0]` = columns); `GGUFTensorInfo.shape` gives them numpy-style, slowest first.

/// A tensor descriptor: where its bytes are and how to read them.
public struct GGUFTensorInfo: Sendable, Equatable {
    public var name: String
    /// ggml order, fastest-varying first (`ne[0]` is the row length).
    public var dimensions: [Int]
    public var type: GGMLType
    /// Byte offset from the start of the data section.
    public var offset: Int

    /// numpy order, slowest-varying first: `[rows, columns]` for a matrix.
    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
    public var byteCount: Int {
        let (elements, bytes) = type.blockLayout
        return elementCount / elements * bytes
    }
}

/// A GGUF file, memory-mapped. Metadata and descriptors are parsed eagerly; tensor data
/// is read on demand from the mapping.
public final class GGUFFile: @unchecked Sendable {
    public let url: URL
    public let version: UInt32
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute byte offset of the data section.
    public let dataOffset: Int
    let bytes: Data
    private let index: [String: Int]

    public convenience init(url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ModelFileError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(url: url, data: data)
    }

    public init(url: URL, data: Data) throws {
        self.url = url
        self.bytes = data
        var reader = ByteReader(data: data, file: url.path)
        let magic = try reader.bytes(4, what: "the magic number")
        guard magic == Array("GGUF".utf8) else {
            throw ModelFileError.badMagic(file: url.path, found: String(decoding: magic, as: UTF8.self))
        }
        version = try reader.read(UInt32.self, what: "the version")
        guard version == 2 || version == 3 else {
            throw ModelFileError.unsupportedVersion(file: url.path, version: version)
        }
        // A descriptor takes at least 32 bytes (name length, rank, one dimension, type,
        // offset); a key/value pair at least 13 (key length, type, one byte of value).
        let tensorCount = try reader.count(what: "the tensor count", itemSize: 32)
        let kvCount = try reader.count(what: "the metadata count", itemSize: 13)

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for i in 0..<kvCount {
            let key = try reader.string(what: "metadata key #\(i)")
            let rawType = try reader.read(UInt32.self, what: "the type of metadata '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw ModelFileError.malformed(file: url.path, what: "metadata '\(key)' has unknown value type \(rawType)")
            }
            let value = try reader.value(of: type, what: "metadata '\(key)'")
            guard values.updateValue(value, forKey: key) == nil else {
                throw ModelFileError.malformed(file: url.path, what: "metadata key '\(key)' appears twice")
            }
            keys.append(key)
        }
        metadataKeys = keys
        metadata = values

        let align = values["general.alignment"]?.intValue ?? 32
        guard align > 0, align & (align - 1) == 0 else {
            throw ModelFileError.malformed(file: url.path, what: "general.alignment \(align) is not a power of two")
        }
        alignment = align

        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(tensorCount)
        for i in 0..<tensorCount {
            let name = try reader.string(what: "the name of tensor #\(i)")
            let nDims = Int(try reader.read(UInt32.self, what: "the rank of tensor '\(name)'"))
            guard (1...4).contains(nDims) else {
                throw ModelFileError.malformed(file: url.path, what: "tensor '\(name)' has rank \(nDims) (1 to 4 expected)")
            }
            var dims: [Int] = []
            var elements = 1
            for _ in 0..<nDims {
                let d = try reader.read(UInt64.self, what: "the shape of tensor '\(name)'")
                guard d > 0, d < 1 << 40 else {
                    throw ModelFileError.malformed(file: url.path, what: "tensor '\(name)' has dimension \(d)")
                }
                dims.append(Int(d))
                elements *= Int(d)
                // No file holds 2^50 elements; this also keeps the products below from overflowing.
                guard elements < 1 << 50 else {
                    throw ModelFileError.malformed(file: url.path, what: "tensor '\(name)' has shape \(dims.reversed()), too many elements")
                }
            }
            let rawType = try reader.read(UInt32.self, what: "the type of tensor '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw ModelFileError.unknownTensorType(file: url.path, tensor: name, type: rawType)
            }
            let offset = try reader.read(UInt64.self, what: "the offset of tensor '\(name)'")
            guard dims[0] % type.blockLayout.elements == 0 else {
                throw ModelFileError.malformed(
                    file: url.path,
                    what: "tensor '\(name)' row length \(dims[0]) is not a multiple of the \(type.name) block size \(type.blockLayout.elements)")
            }
            guard offset <= UInt64(data.count) else {
                throw ModelFileError.truncated(file: url.path, what: "the data of tensor '\(name)' (offset \(offset) is past the end)")
            }
            infos.append(GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: Int(offset)))
        }
        tensors = infos
        var index: [String: Int] = [:]
        for (i, info) in infos.enumerated() {
            guard index.updateValue(i, forKey: info.name) == nil else {
                throw ModelFileError.malformed(file: url.path, what: "two tensors are named '\(info.name)'")
            }
        }
        self.index = index

        let start = (reader.position + align - 1) / align * align
        dataOffset = start
        for info in infos {
            guard info.offset % align == 0 else {
                throw ModelFileError.malformed(file: url.path, what: "tensor '\(info.name)' offset \(info.offset) is not aligned to \(align)")
            }
            guard start + info.offset + info.byteCount <= data.count else {
                throw ModelFileError.truncated(file: url.path, what: "the data of tensor '\(info.name)'")
            }
        }
    }

    /// Size of the whole file in bytes.
    public var fileSize: Int { bytes.count }

    public func info(_ name: String) throws -> GGUFTensorInfo {
        guard let i = index[name] else { throw ModelFileError.missingTensor(file: url.path, tensor: name) }
        return tensors[i]
    }

    /// The raw (possibly quantized) bytes of a tensor, as stored.
    public func rawBytes(_ name: String) throws -> Data {
        let info = try info(name)
        let start = dataOffset + info.offset
        return bytes.subdata(in: start..<(start + info.byteCount))
    }

    /// Calls `body` with a pointer to a tensor's stored bytes, without copying.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer, GGUFTensorInfo) throws -> R) throws -> R {
        let info = try info(name)
        let start = dataOffset + info.offset
        return try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[start..<(start + info.byteCount)]), info)
        }
    }

    // Typed metadata accessors whose errors name the file and key.

    public func int(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw ModelFileError.missingMetadata(file: url.path, key: key) }
        guard let i = v.intValue else { throw ModelFileError.wrongMetadataType(file: url.path, key: key, expected: "an integer") }
        return i
    }

    public func double(_ key: String) throws -> Double {
        guard let v = metadata[key] else { throw ModelFileError.missingMetadata(file: url.path, key: key) }
        guard let d = v.doubleValue else { throw ModelFileError.wrongMetadataType(file: url.path, key: key, expected: "a number") }
        return d
    }

    public func string(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw ModelFileError.missingMetadata(file: url.path, key: key) }
        guard let s = v.stringValue else { throw ModelFileError.wrongMetadataType(file: url.path, key: key, expected: "a string") }
        return s
    }

    public func strings(_ key: String) throws -> [String] {
        guard let v = metadata[key] else { throw ModelFileError.missingMetadata(file: url.path, key: key) }
        guard let items = v.arrayValue else { throw ModelFileError.wrongMetadataType(file: url.path, key: key, expected: "an array") }
        return try items.map {
            guard let s = $0.stringValue else { throw ModelFileError.wrongMetadataType(file: url.path, key: key, expected: "an array of strings") }
            return s
        }
    }
}
