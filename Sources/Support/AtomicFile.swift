import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader (or a crash) never sees half of one: the bytes go to a
/// temporary name in the same folder, are fsynced, then renamed over the target, and the
/// folder is fsynced so the rename itself survives a power cut.
public enum AtomicFile {
    public struct WriteError: LocalizedError {
        public var path: String
        public var reason: String
        public var errorDescription: String? { "\(path): could not write (\(reason))." }
    }

    /// Writes `data` to `url` atomically. `permissions` (e.g. 0o600) applies to the new file.
    public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644) throws {
        let writer = try Writer(url: url, permissions: permissions)
        try writer.write(data)
        try writer.commit()
    }

    /// Writes a file produced by `body` (which writes to the temporary path it is given),
    /// then syncs and renames it into place. For writers that stream large files.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let temp = try temporaryURL(for: url)
        do {
            try body(temp)
            let fd = open(temp.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw WriteError(path: url.path, reason: "the temporary file was not written") }
            let synced = fsync(fd) == 0
            close(fd)
            guard synced else { throw WriteError(path: url.path, reason: "fsync failed") }
            try publish(temp, as: url)
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    /// A file written piece by piece (buffered in 1 MiB chunks) that appears under its
    /// name only at `commit`; dropped without a commit, it leaves nothing behind.
    public final class Writer {
        public let url: URL
        private let temp: URL
        private let fd: Int32
        private var buffer: [UInt8] = []
        private var finished = false

        public init(url: URL, permissions: mode_t = 0o644) throws {
            self.url = url
            temp = try AtomicFile.temporaryURL(for: url)
            fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
            guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        }

        deinit {
            if !finished {
                close(fd)
                unlink(temp.path)
            }
        }

        public func write(_ text: String) throws { try write(Array(text.utf8)) }
        public func write(_ data: Data) throws { try write([UInt8](data)) }

        public func write(_ bytes: [UInt8]) throws {
            buffer += bytes
            if buffer.count >= 1 << 20 { try flush() }
        }

        private func flush() throws {
            try buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw WriteError(path: url.path, reason: String(cString: strerror(errno)))
                    }
                    offset += n
                }
            }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Flushes, fsyncs and renames the file into place.
        public func commit() throws {
            try flush()
            guard fsync(fd) == 0 else { throw WriteError(path: url.path, reason: "fsync: \(String(cString: strerror(errno)))") }
            close(fd)
            finished = true
            do { try AtomicFile.publish(temp, as: url) } catch {
                unlink(temp.path)
                throw error
            }
        }
    }

    /// A fresh hidden name beside `url`, in a folder that exists.
    private static func temporaryURL(for url: URL) throws -> URL {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial")
    }

    /// Renames the synced `temp` over `url` and syncs the folder so the rename is durable.
    private static func publish(_ temp: URL, as url: URL) throws {
        guard rename(temp.path, url.path) == 0 else {
            throw WriteError(path: url.path, reason: "rename: \(String(cString: strerror(errno)))")
        }
        let dfd = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
