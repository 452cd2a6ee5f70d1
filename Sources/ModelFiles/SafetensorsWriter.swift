import Foundation

// Writes safetensors files (format: https://github.com/huggingface/safetensors, README
// "Format"): u64 header size N, N bytes of JSON, then the tensors' bytes back to back.
// The output is deterministic: tensors are laid out by element size (largest first, so
// every tensor starts aligned to its element size) then by name; the JSON has sorted keys;
// the header is padded with spaces so the data starts at a multiple of 8, which the
// format allows.

public struct SafetensorsWriter {
    private struct Entry {
        var name: String
        var dtype: SafetensorsDType
        var shape: [Int]
        var bytes: Data
    }

    /// Free-form string metadata, stored under `__metadata__`.
    public var metadata: [String: String]
    private var entries: [String: Entry] = [:]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor; `shape` is numpy order (`[out, in]` for a Linear weight) and
    /// `values` row-major. F16 values beyond ±65504 are refused rather than stored as inf.
    public mutating func add(_ name: String, _ values: [Float], shape: [Int], as dtype: SafetensorsDType = .f32) throws {
        guard !name.isEmpty, name != "__metadata__" else {
            throw ModelFileError.invalidTensor(tensor: name, reason: "this name is reserved in safetensors")
        }
        guard entries[name] == nil else {
            throw ModelFileError.invalidTensor(tensor: name, reason: "added twice")
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw ModelFileError.invalidTensor(tensor: name, reason: "\(values.count) values do not fill shape \(shape)")
        }
        let type: GGMLType = switch dtype {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        }
        entries[name] = Entry(name: name, dtype: dtype, shape: shape, bytes: try quantize(values, as: type, tensor: name))
    }

    public var tensorNames: [String] { ordered.map(\.name) }

    private var ordered: [Entry] {
        entries.values.sorted { ($0.dtype.byteSize, $1.name) > ($1.dtype.byteSize, $0.name) }
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes.
    func header() throws -> Data {
        var json: [String: Any] = [:]
        var offset = 0
        for e in ordered {
            json[e.name] = ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]]
            offset += e.bytes.count
        }
        if !metadata.isEmpty { json["__metadata__"] = metadata }
        var text = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        let rest = (8 + text.count) % 8
        if rest != 0 { text.append(contentsOf: [UInt8](repeating: 0x20, count: 8 - rest)) }
        return text
    }

    /// The whole file in memory.
    public func encoded() throws -> Data {
        let json = try header()
        var w = ByteWriter()
        w.write(UInt64(json.count))
        w.data.append(json)
        for e in ordered { w.data.append(e.bytes) }
        return w.data
    }

    /// Writes the file atomically (temporary name, fsync, rename).
    public func write(to url: URL) throws {
        let json = try header()
        var w = ByteWriter()
        w.write(UInt64(json.count))
        w.data.append(json)
        try writeFileAtomically(url, header: w.data, payloads: ordered.map(\.bytes), padding: { _ in 0 })
    }
}
