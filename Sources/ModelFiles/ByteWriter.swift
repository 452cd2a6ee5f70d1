import Foundation
import Support

/// Little-endian appends into a growing buffer (the inverse of `ByteReader`).
struct ByteWriter {
    var data = Data()

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func write(_ string: String) {
        let utf8 = Array(string.utf8)
        write(UInt64(utf8.count))
        data.append(contentsOf: utf8)
    }

    /// Zero bytes up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        let rest = data.count % alignment
        if rest != 0 { data.append(Data(count: alignment - rest)) }
    }
}

/// Streams `header` then each payload (each followed by `padding(i)` zero bytes) into a
/// new file at `url`, written under a temporary name, fsynced and renamed into place.
func writeFileAtomically(_ url: URL, header: Data, payloads: [Data], padding: (Int) -> Int) throws {
    try AtomicFile.write(to: url) { temp in
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
            throw ModelFileError.unwritable(file: url.path, reason: "cannot create a temporary file beside it")
        }
        let handle = try FileHandle(forWritingTo: temp)
        defer { try? handle.close() }
        try handle.write(contentsOf: header)
        for (i, payload) in payloads.enumerated() {
            try handle.write(contentsOf: payload)
            let pad = padding(i)
            if pad > 0 { try handle.write(contentsOf: Data(count: pad)) }
        }
    }
}
