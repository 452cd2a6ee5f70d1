import Foundation

// Writes GGUF v3 files (ggml `docs/gguf.md`): header, metadata in insertion order, tensor
// descriptors in insertion order, then the data section starting at a multiple of
// `general.alignment` (default 32) with every tensor padded to that alignment.
// Dimensions are written ggml-style (fastest first), so `add(shape: [rows, cols])`
// stores ne = [cols, rows], exactly as llama.cpp's converter does.

public struct GGUFWriter {
    private struct Entry {
        var name: String
        var dimensions: [Int]  // ggml order
        var type: GGMLType
        var bytes: Data
    }

    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var entries: [Entry] = []
    private var names: Set<String> = []

    public init() {}

    /// Sets a metadata value; a key set twice keeps its first position and the last value.
    public mutating func set(_ key: String, _ value: GGUFValue) throws {
        guard !key.isEmpty else { throw ModelFileError.invalidMetadata(key: key, reason: "empty key") }
        try Self.check(value, key: key)
        if key == "general.alignment" {
            guard case let .uint32(a) = value, a > 0, a & (a - 1) == 0, a % 8 == 0 else {
                throw ModelFileError.invalidMetadata(key: key, reason: "must be a uint32 power of two, at least 8")
            }
        }
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Array elements must all have the declared element type (recursively).
    private static func check(_ value: GGUFValue, key: String) throws {
        guard case let .array(elementType, items) = value else { return }
        for item in items {
            guard item.type == elementType else {
                throw ModelFileError.invalidMetadata(key: key, reason: "array of \(elementType) holds a \(item.type)")
            }
            try check(item, key: key)
        }
    }

    /// Adds a tensor from Float32 values in numpy order (`shape` slowest first), stored as
    /// `type` (F32, F16, BF16, Q8_0, Q4_0 or Q4_1; quantized types need the row length,
    /// `shape.last`, to be a multiple of 32).
    public mutating func add(_ name: String, _ values: [Float], shape: [Int], as type: GGMLType = .f32) throws {
        try checkNew(name, shape: shape, count: values.count, type: type)
        entries.append(Entry(name: name, dimensions: shape.reversed(), type: type, bytes: try quantize(values, as: type, tensor: name)))
        names.insert(name)
    }

    /// Adds a tensor whose bytes are already in ggml storage format (e.g. copied from
    /// another GGUF file).
    public mutating func addRaw(_ name: String, bytes: Data, shape: [Int], type: GGMLType) throws {
        let count = shape.reduce(1, *)
        try checkNew(name, shape: shape, count: count, type: type)
        let expected = count / type.blockLayout.elements * type.blockLayout.bytes
        guard bytes.count == expected else {
            throw ModelFileError.invalidTensor(tensor: name, reason: "\(bytes.count) bytes given, \(type.name) \(shape) needs \(expected)")
        }
        entries.append(Entry(name: name, dimensions: shape.reversed(), type: type, bytes: bytes))
        names.insert(name)
    }

    private func checkNew(_ name: String, shape: [Int], count: Int, type: GGMLType) throws {
        guard !names.contains(name) else { throw ModelFileError.invalidTensor(tensor: name, reason: "added twice") }
        guard (1...4).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
            throw ModelFileError.invalidTensor(tensor: name, reason: "shape \(shape) needs 1 to 4 positive dimensions")
        }
        guard shape.reduce(1, *) == count else {
            throw ModelFileError.invalidTensor(tensor: name, reason: "\(count) values do not fill shape \(shape)")
        }
        guard shape.last! % type.blockLayout.elements == 0 else {
            throw ModelFileError.invalidTensor(
                tensor: name, reason: "row length \(shape.last!) is not a multiple of the \(type.name) block size \(type.blockLayout.elements)")
        }
    }

    private var alignment: Int { values["general.alignment"]?.intValue ?? 32 }

    /// Header, metadata and descriptors, padded to the alignment.
    func header() -> Data {
        var w = ByteWriter()
        w.data.append(contentsOf: Array("GGUF".utf8))
        w.write(UInt32(3))
        w.write(UInt64(entries.count))
        w.write(UInt64(keys.count))
        for key in keys {
            w.write(key)
            w.write(values[key]!.type.rawValue)
            Self.write(values[key]!, to: &w)
        }
        var offset = 0
        for e in entries {
            w.write(e.name)
            w.write(UInt32(e.dimensions.count))
            for d in e.dimensions { w.write(UInt64(d)) }
            w.write(e.type.rawValue)
            w.write(UInt64(offset))
            offset += padded(e.bytes.count)
        }
        w.pad(to: alignment)
        return w.data
    }

    private func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// A value without its type tag (arrays carry their element type and count).
    private static func write(_ value: GGUFValue, to w: inout ByteWriter) {
        switch value {
        case let .uint8(v): w.write(v)
        case let .int8(v): w.write(v)
        case let .uint16(v): w.write(v)
        case let .int16(v): w.write(v)
        case let .uint32(v): w.write(v)
        case let .int32(v): w.write(v)
        case let .uint64(v): w.write(v)
        case let .int64(v): w.write(v)
        case let .float32(v): w.write(v.bitPattern)
        case let .float64(v): w.write(v.bitPattern)
        case let .bool(v): w.write(UInt8(v ? 1 : 0))
        case let .string(s): w.write(s)
        case let .array(elementType, items):
            w.write(elementType.rawValue)
            w.write(UInt64(items.count))
            for item in items { write(item, to: &w) }
        }
    }

    /// The whole file in memory.
    public func encoded() -> Data {
        var data = header()
        for e in entries {
            data.append(e.bytes)
            data.append(Data(count: padded(e.bytes.count) - e.bytes.count))
        }
        return data
    }

    /// Writes the file atomically (temporary name, fsync, rename).
    public func write(to url: URL) throws {
        let sizes = entries.map(\.bytes.count)
        try writeFileAtomically(url, header: header(), payloads: entries.map(\.bytes), padding: { padded(sizes[$0]) - sizes[$0] })
    }
}
