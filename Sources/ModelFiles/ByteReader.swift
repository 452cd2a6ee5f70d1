import Foundation

/// Bounds-checked little-endian reads; running off the end is a `truncated` error, and
/// counts that could not fit in the rest of the file are refused before anything is
/// allocated for them (a corrupt count must not become a multi-gigabyte allocation).
struct ByteReader {
    let data: Data
    let file: String
    var position = 0
    /// Arrays nest; deeper nesting than this is treated as corruption (and keeps the
    /// recursion off the stack limit).
    static let maximumArrayDepth = 8

    init(data: Data, file: String) {
        self.data = data
        self.file = file
    }

    var remaining: Int { data.count - position }

    mutating func bytes(_ n: Int, what: String) throws -> [UInt8] {
        guard n >= 0, n <= remaining else { throw ModelFileError.truncated(file: file, what: what) }
        let start = data.startIndex + position
        position += n
        return [UInt8](data[start..<(start + n)])
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw ModelFileError.truncated(file: file, what: what) }
        let v = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.self) }
        position += size
        return T(littleEndian: v)
    }

    /// A u64 count of items of at least `itemSize` bytes each, refusing counts whose items
    /// could not fit in the rest of the file.
    mutating func count(what: String, itemSize: Int = 1) throws -> Int {
        let n = try read(UInt64.self, what: what)
        guard n <= UInt64(remaining / max(itemSize, 1)) else {
            throw ModelFileError.malformed(file: file, what: "\(what) is \(n), more than the rest of the file could hold")
        }
        return Int(n)
    }

    mutating func string(what: String) throws -> String {
        let n = try count(what: what)
        let raw = try bytes(n, what: what)
        return String(decoding: raw, as: UTF8.self)
    }

    /// The fewest bytes a value of `type` occupies (for sanity-checking array counts).
    static func minimumSize(of type: GGUFValueType) -> Int {
        switch type {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }

    mutating func value(of type: GGUFValueType, what: String, depth: Int = 0) throws -> GGUFValue {
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
            guard depth < Self.maximumArrayDepth else {
                throw ModelFileError.malformed(file: file, what: "\(what) nests arrays more than \(Self.maximumArrayDepth) deep")
            }
            let rawType = try read(UInt32.self, what: what)
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw ModelFileError.malformed(file: file, what: "\(what) is an array of unknown type \(rawType)")
            }
            let n = try count(what: "the length of \(what)", itemSize: Self.minimumSize(of: elementType))
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(of: elementType, what: what, depth: depth + 1)) }
            return .array(elementType, items)
        }
    }
}
