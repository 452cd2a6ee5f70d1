import Foundation

/// Writes a file so readers see either the old file or the whole new one: the bytes go to
/// a temporary name beside the target, are fsynced, then renamed over it (and the folder
/// is fsynced so the rename survives a crash). Created owner-only (0600): exports hold
/// clinical text.
public final class AtomicFileWriter {
    public let path: String
    private let temporaryPath: String
    private let fd: Int32
    private var buffer = [UInt8]()
    private var finished = false

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        fd = open(temporaryPath, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard fd >= 0 else { throw FeedbackStoreError.cannotCreate(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit {
        if !finished { close(fd); unlink(temporaryPath) }
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }
    public func write(_ data: Data) throws { try write([UInt8](data)) }

    public func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw FeedbackStoreError.cannotCreate(path: path, reason: String(cString: strerror(errno))) }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, fsyncs and renames into place.
    public func commit() throws {
        try flush()
        guard fsync(fd) == 0 else { throw FeedbackStoreError.cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        close(fd)
        finished = true
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw FeedbackStoreError.cannotCreate(path: path, reason: reason)
        }
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 { fsync(folder); close(folder) }
    }

    /// Writes `data` to `path` atomically in one call.
    public static func write(_ data: Data, to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(data)
        try writer.commit()
    }
}
