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
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = false
        defer {
            if !ok { unlink(temp.path) }
        }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
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
            guard fsync(fd) == 0 else { throw WriteError(path: url.path, reason: "fsync: \(String(cString: strerror(errno)))") }
        }
        guard rename(temp.path, url.path) == 0 else {
            throw WriteError(path: url.path, reason: "rename: \(String(cString: strerror(errno)))")
        }
        ok = true
        syncDirectory(dir)
    }

    /// Writes a file produced by `body` (which writes to the temporary path it is given),
    /// then syncs and renames it into place. For writers that stream large files.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial")
        do {
            try body(temp)
            let fd = open(temp.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw WriteError(path: url.path, reason: "the temporary file was not written") }
            let synced = fsync(fd) == 0
            close(fd)
            guard synced else { throw WriteError(path: url.path, reason: "fsync failed") }
            guard rename(temp.path, url.path) == 0 else {
                throw WriteError(path: url.path, reason: "rename: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temp.path)
            throw error
        }
        syncDirectory(dir)
    }

    private static func syncDirectory(_ dir: URL) {
        let dfd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
