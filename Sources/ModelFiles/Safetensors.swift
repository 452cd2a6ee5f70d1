import Foundation

// safetensors: an 8-byte little-endian header length, a JSON header mapping tensor names
// to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the end of the header),
// optional "__metadata__" (string → string), then the raw little-endian data.

/// Element types of safetensors tensors that Rounds reads.
public enum SafetensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"

    public var byteSize: Int { self == .f32 ? 4 : 2 }
}

public struct SafetensorsTensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    /// Slowest-varying first (`[out, in]` for a Linear weight).
    public var shape: [Int]
    /// Byte range inside the data section.
    public var dataRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped.
public final class SafetensorsFile: @unchecked Sendable {
    public let url: URL
    public let tensors: [SafetensorsTensorInfo]
    public let metadata: [String: String]
    let bytes: Data
    let dataOffset: Int
    private let index: [String: Int]

    public init(url: URL) throws {
        let file = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ModelFileError.unreadable(file: file, reason: error.localizedDescription)
        }
        self.url = url
        self.bytes = data
        var reader = ByteReader(data: data, file: file)
        let headerLength = try reader.count(what: "the header length")
        let header = try reader.bytes(headerLength, what: "the JSON header")
        dataOffset = reader.position
        guard let json = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else {
            throw ModelFileError.malformed(file: file, what: "the safetensors header is not a JSON object")
        }
        var meta: [String: String] = [:]
        var infos: [SafetensorsTensorInfo] = []
        let dataSize = data.count - dataOffset
        for (name, value) in json {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { meta[k] = v as? String }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw ModelFileError.malformed(file: file, what: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw ModelFileError.unsupportedTensorType(file: file, tensor: name, type: dtypeName)
            }
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else {
                    throw ModelFileError.malformed(file: file, what: "tensor '\(name)' has shape \(shape)")
                }
                elements = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else {
                throw ModelFileError.malformed(file: file, what: "tensor '\(name)' has data_offsets [\(begin), \(end)]")
            }
            guard end <= dataSize else {
                throw ModelFileError.truncated(file: file, what: "the data of tensor '\(name)' (bytes \(begin)..<\(end) of \(dataSize))")
            }
            // (elements ≤ bytes first, so the product cannot overflow)
            guard elements <= end - begin, end - begin == elements * dtype.byteSize else {
                throw ModelFileError.malformed(
                    file: file, what: "tensor '\(name)' holds \(end - begin) bytes, its shape \(shape) needs \(elements) \(dtype.rawValue) elements")
            }
            let info = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
            infos.append(info)
        }
        infos.sort { $0.dataRange.lowerBound < $1.dataRange.lowerBound }
        tensors = infos
        metadata = meta
        // JSON object keys are unique, so names are too.
        index = Dictionary(uniqueKeysWithValues: infos.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// Size of the whole file in bytes.
    public var fileSize: Int { bytes.count }

    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let i = index[name] else { throw ModelFileError.missingTensor(file: url.path, tensor: name) }
        return tensors[i]
    }

    /// A tensor converted to Float32, row-major in `shape` order.
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        let n = info.elementCount
        let type: GGMLType = switch info.dtype {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        }
        return try bytes.withUnsafeBytes { all in
            let raw = UnsafeRawBufferPointer(rebasing: all[(dataOffset + info.dataRange.lowerBound)..<(dataOffset + info.dataRange.upperBound)])
            return try [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
                if n > 0 {
                    try dequantize(raw, type: type, count: n, into: buffer.baseAddress!, file: url.path, tensor: name)
                }
                initialized = n
            }
        }
    }

    /// A tensor converted to Float32 after checking its shape.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let found = try info(name).shape
        guard found == shape else {
            throw ModelFileError.shapeMismatch(file: url.path, tensor: name, expected: shape, found: found)
        }
        return try floats(name)
    }
}
