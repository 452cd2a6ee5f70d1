// Saving and restoring AdamW's state (m, v, step) for checkpoints, so a resumed run continues
// with the same moments and bias correction as an uninterrupted one.
//
// File layout (little-endian): "RNDADAMW" | UInt32 version 1 | UInt32 0 | Int64 P | Int64 step |
// m: P × Float32 | v: P × Float32. Written to a temporary name, fsynced, then renamed.
import Foundation

/// A checkpoint file of the optimizer that cannot be used, and what to do about it.
public enum OptimizerStateError: LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case notAnOptimizerState(path: String)
    case sizeMismatch(path: String, expected: Int, found: Int)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read or write the optimizer state (\(reason))."
        case .notAnOptimizerState(let path):
            return "\(path) is not an optimizer state file (missing RNDADAMW header). Point to the checkpoint's optimizer file."
        case .sizeMismatch(let path, let expected, let found):
            return "\(path) holds moments for \(found) parameters but the model has \(expected). "
                + "The checkpoint belongs to a different model or adapter rank: resume from a matching checkpoint or start fresh."
        case .truncated(let path, let expectedBytes, let actualBytes):
            return "\(path) is \(actualBytes) bytes, \(expectedBytes) expected: the file is truncated. Use an earlier checkpoint."
        }
    }
}

extension AdamW {
    public struct State: Equatable, Sendable {
        public var step: Int
        public var m: [Float], v: [Float]

        public init(step: Int, m: [Float], v: [Float]) {
            self.step = step
            self.m = m
            self.v = v
        }
    }

    public var state: State {
        State(step: step, m: Array(UnsafeBufferPointer(start: m, count: count)),
              v: Array(UnsafeBufferPointer(start: v, count: count)))
    }

    /// Replaces the moments and step count (e.g. from a checkpoint).
    public func restore(_ state: State) throws {
        guard state.m.count == count, state.v.count == count else {
            throw ObjectiveError.countMismatch(field: "optimizer state", expected: count, actual: state.m.count)
        }
        guard state.step >= 0 else {
            throw ObjectiveError.invalidInput(field: "optimizer state step", index: 0, reason: "negative step \(state.step)")
        }
        state.m.withUnsafeBufferPointer { m.update(from: $0.baseAddress!, count: count) }
        state.v.withUnsafeBufferPointer { v.update(from: $0.baseAddress!, count: count) }
        step = state.step
    }

    static let magic = Array("RNDADAMW".utf8)
    static let headerBytes = 32

    /// Writes the state atomically: temporary file, fsync, rename.
    public func write(to url: URL) throws {
        var data = Data(Self.magic)
        func append<I: FixedWidthInteger>(_ x: I) { withUnsafeBytes(of: x.littleEndian) { data.append(contentsOf: $0) } }
        append(UInt32(1))
        append(UInt32(0))
        append(Int64(count))
        append(Int64(step))
        data.reserveCapacity(Self.headerBytes + 8 * count)
        for buffer in [m, v] {
            for i in 0..<count { append(buffer[i].bitPattern) }
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw OptimizerStateError.unreadable(path: temporary.path, reason: "cannot create the file; check the folder exists and is writable")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw OptimizerStateError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch let error as OptimizerStateError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OptimizerStateError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Restores the state written by `write(to:)`; the parameter count must match.
    public func read(from url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw OptimizerStateError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let bytes = [UInt8](data)
        guard bytes.count >= Self.headerBytes, Array(bytes[0..<8]) == Self.magic else {
            throw OptimizerStateError.notAnOptimizerState(path: url.path)
        }
        func integer<I: FixedWidthInteger>(_ offset: Int, _: I.Type) -> I {
            var x = I.zero
            for k in 0..<MemoryLayout<I>.size { x |= I(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
            return x
        }
        let found = Int(integer(16, Int64.self)), step = Int(integer(24, Int64.self))
        guard found == count else { throw OptimizerStateError.sizeMismatch(path: url.path, expected: count, found: found) }
        let expectedBytes = Self.headerBytes + 8 * count
        guard bytes.count == expectedBytes else {
            throw OptimizerStateError.truncated(path: url.path, expectedBytes: expectedBytes, actualBytes: bytes.count)
        }
        func floats(_ start: Int) -> [Float] {
            (0..<count).map { Float(bitPattern: integer(start + 4 * $0, UInt32.self)) }
        }
        try restore(State(step: step, m: floats(Self.headerBytes), v: floats(Self.headerBytes + 4 * count)))
    }
}
