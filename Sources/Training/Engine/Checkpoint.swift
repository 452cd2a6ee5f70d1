import Foundation
import Support
import Tensor

/// A resumable training state in ONE file (`checkpoint.bin`), written atomically, so a run
/// killed at any instant (even `kill -9` mid-write) finds either the previous checkpoint or
/// the new one, never half of one. Layout: "RNDCKPT1", a little-endian UInt64 header length,
/// the JSON header, then the trained weights, AdamW's m and v as Float32 (count each).
/// Header format 2 adds the LoRA dropout generator; format 1 files (without it) still resume
/// runs that draw no dropout masks and are refused, with the reason, by runs that do.
public struct Checkpoint: Sendable {
    /// The header format this version writes; it reads this one and every older one.
    public static let currentFormat = 2

    public struct Header: Codable, Equatable, Sendable {
        public var format = Checkpoint.currentFormat
        /// Optimizer steps completed.
        public var step: Int
        /// Batches consumed (the data cursor; epoch = cursor / batches per epoch).
        public var cursor: Int
        public var kind: TrainableParameters.Kind
        public var count: Int
        /// Fingerprint of the data and parameters; resuming with different ones is refused.
        public var runKey: String
        /// Anything else the trainer needs to continue exactly (RNG state, metrics so far).
        public var extra: [String: String]
        /// The LoRA adapter's dropout generator after `step` steps (nil: no adapter, or a
        /// format 1 file, which predates it).
        public var dropoutRandom: SeededRandom?
        public init(step: Int, cursor: Int, kind: TrainableParameters.Kind, count: Int, runKey: String,
                    extra: [String: String] = [:], dropoutRandom: SeededRandom? = nil) {
            self.step = step
            self.cursor = cursor
            self.kind = kind
            self.count = count
            self.runKey = runKey
            self.extra = extra
            self.dropoutRandom = dropoutRandom
        }
    }

    public enum CheckpointError: LocalizedError, Equatable {
        case unreadable(path: String, reason: String)
        case mismatch(path: String, reason: String)
        /// A format 1 checkpoint of a run with LoRA dropout: the masks after it cannot be reproduced.
        case noDropoutState(path: String)
        public var errorDescription: String? {
            switch self {
            case let .unreadable(path, reason): "\(path): not a usable checkpoint (\(reason)). ---> HINT: start the run again without resuming."
            case let .mismatch(path, reason): "\(path): this checkpoint belongs to another run (\(reason)). ---> HINT: resume with the same data and options, or train under a new name."
            case let .noDropoutState(path): "\(path): this checkpoint was written before checkpoints kept the LoRA dropout generator, so a resumed run with LoRA dropout would not end with the weights of an uninterrupted one. ---> HINT: delete the checkpoint and start the run again."
            }
        }
    }

    static let magic = Array("RNDCKPT1".utf8)

    public static func write(_ header: Header, params: UnsafePointer<Float>, m: UnsafePointer<Float>, v: UnsafePointer<Float>, to url: URL) throws {
        let json = try JSONEncoder().encode(header)
        var data = Data(capacity: 16 + json.count + 12 * header.count)
        data.append(contentsOf: magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for buffer in [params, m, v] {
            data.append(UnsafeBufferPointer(start: buffer, count: header.count))
        }
        try AtomicFile.write(data, to: url)
    }

    /// Reads the header and copies the three arrays into the given buffers (each `expectedCount`).
    public static func read(from url: URL, expectedCount: Int, runKey: String,
                            params: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) throws -> Header {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard data.count >= 16, Array(data.prefix(8)) == magic else {
            throw CheckpointError.unreadable(path: url.path, reason: "bad magic")
        }
        let length = Int(data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) })
        guard length <= data.count - 16 else { throw CheckpointError.unreadable(path: url.path, reason: "header runs past the end") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data.subdata(in: 16..<(16 + length))) } catch {
            throw CheckpointError.unreadable(path: url.path, reason: "header: \(error)")
        }
        guard (1...currentFormat).contains(header.format) else {
            throw CheckpointError.unreadable(path: url.path, reason: "header format \(header.format); this version reads formats 1 to \(currentFormat)")
        }
        guard header.count == expectedCount else {
            throw CheckpointError.mismatch(path: url.path, reason: "it holds \(header.count) weights, this run trains \(expectedCount)")
        }
        guard header.runKey == runKey else {
            throw CheckpointError.mismatch(path: url.path, reason: "different data file or training options")
        }
        let body = 16 + length
        guard data.count == body + 12 * header.count else { throw CheckpointError.unreadable(path: url.path, reason: "truncated") }
        data.withUnsafeBytes { raw in
            for (i, out) in [params, m, v].enumerated() {
                let src = raw.baseAddress! + body + 4 * header.count * i
                memcpy(out, src, 4 * header.count)
            }
        }
        return header
    }
}
