import Foundation

// GGUF, the file format of llama.cpp: a header, typed key/value metadata, tensor
// descriptors, then aligned tensor data. Layout reference: ggml `docs/gguf.md`.
// All integers are little-endian. Dimensions are stored ggml-style, fastest first
// (`ne[0]` = columns); `GGUFTensorInfo.shape` gives them numpy-style, slowest first.

/// ggml tensor element types (values from ggml.h).
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21
    case iq2_s = 22, iq4_xs = 23, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28
    case iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35

    /// Elements per block and bytes per block.
    public var blockLayout: (elements: Int, bytes: Int) {
        switch self {
        case .f32, .i32: return (1, 4)
        case .f16, .bf16, .i16: return (1, 2)
        case .i8: return (1, 1)
        case .i64, .f64: return (1, 8)
        case .q4_0: return (32, 18)
        case .q4_1: return (32, 20)
        case .q5_0: return (32, 22)
        case .q5_1: return (32, 24)
        case .q8_0: return (32, 34)
        case .q8_1: return (32, 36)
        case .q2_K: return (256, 84)
        case .q3_K: return (256, 110)
        case .q4_K: return (256, 144)
        case .q5_K: return (256, 176)
        case .q6_K: return (256, 210)
        case .q8_K: return (256, 292)
        case .iq2_xxs: return (256, 66)
        case .iq2_xs: return (256, 74)
        case .iq3_xxs: return (256, 98)
        case .iq1_s: return (256, 50)
        case .iq4_nl: return (32, 18)
        case .iq3_s: return (256, 110)
        case .iq2_s: return (256, 82)
        case .iq4_xs: return (256, 136)
        case .iq1_m: return (256, 56)
        case .tq1_0: return (256, 54)
        case .tq2_0: return (256, 66)
        }
    }

    public var name: String { String(describing: self).uppercased() }
}

/// One metadata value. Arrays hold values of a single element type.
public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), float32(Float), bool(Bool), string(String)
    case array(GGUFValueType, [GGUFValue])
    case uint64(UInt64), int64(Int64), float64(Double)

    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// Any integer value as Int.
    public var intValue: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        case let .bool(v): v ? 1 : 0
        default: nil
        }
    }

    /// Any numeric value as Double.
    public var doubleValue: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: intValue.map(Double.init)
        }
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var arrayValue: [GGUFValue]? {
        if case let .array(_, items) = self { return items }
        return nil
    }
}

/// The value type tags of GGUF metadata (gguf_type).
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
}

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
        let tensorCount = try reader.count(what: "the tensor count")
        let kvCount = try reader.count(what: "the metadata count")

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for i in 0..<kvCount {
            let key = try reader.string(what: "metadata key #\(i)")
            let rawType = try reader.read(UInt32.self, what: "the type of metadata '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw ModelFileError.malformed(file: url.path, what: "metadata '\(key)' has unknown value type \(rawType)")
            }
            let value = try reader.value(of: type, what: "metadata '\(key)'")
            if values.updateValue(value, forKey: key) == nil { keys.append(key) }
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
            for _ in 0..<nDims {
                let d = try reader.read(UInt64.self, what: "the shape of tensor '\(name)'")
                guard d > 0, d < 1 << 40 else {
                    throw ModelFileError.malformed(file: url.path, what: "tensor '\(name)' has dimension \(d)")
                }
                dims.append(Int(d))
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
            infos.append(GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: Int(offset)))
        }
        tensors = infos
        index = Dictionary(infos.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })

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

/// Bounds-checked little-endian reads; running off the end is a `truncated` error.
struct ByteReader {
    let data: Data
    let file: String
    var position = 0

    init(data: Data, file: String) {
        self.data = data
        self.file = file
    }

    mutating func bytes(_ n: Int, what: String) throws -> [UInt8] {
        guard n >= 0, position + n <= data.count else { throw ModelFileError.truncated(file: file, what: what) }
        let start = data.startIndex + position
        position += n
        return [UInt8](data[start..<(start + n)])
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard position + size <= data.count else { throw ModelFileError.truncated(file: file, what: what) }
        let v = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.self) }
        position += size
        return T(littleEndian: v)
    }

    /// A u64 count, refusing values that could not fit in the file.
    mutating func count(what: String) throws -> Int {
        let n = try read(UInt64.self, what: what)
        guard n <= UInt64(data.count) else {
            throw ModelFileError.malformed(file: file, what: "\(what) is \(n), more than the file could hold")
        }
        return Int(n)
    }

    mutating func string(what: String) throws -> String {
        let n = try count(what: what)
        let raw = try bytes(n, what: what)
        return String(decoding: raw, as: UTF8.self)
    }

    mutating func value(of type: GGUFValueType, what: String) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what: what))
        case .int8: return .int8(try read(Int8.self, what: what))
        case .uint16: return .uint16(try read(UInt16.self, what: what))
        case .int16: return .int16(try read(Int16.self, what: what))
        case .uint32: return .uint32(try read(UInt32.self, what: what))
        case .int32: return .int32(try read(Int32.self, what: what))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, what: what)))
        case .bool: return .bool(try read(UInt8.self, what: what) != 0)
        case .string: return .string(try string(what: what))
        case .uint64: return .uint64(try read(UInt64.self, what: what))
        case .int64: return .int64(try read(Int64.self, what: what))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, what: what)))
        case .array:
            let rawType = try read(UInt32.self, what: what)
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw ModelFileError.malformed(file: file, what: "\(what) is an array of unknown type \(rawType)")
            }
            let n = try count(what: what)
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(of: elementType, what: what)) }
            return .array(elementType, items)
        }
    }
}
