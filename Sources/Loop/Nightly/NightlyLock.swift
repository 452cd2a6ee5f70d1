import Foundation
import Training
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock that keeps two nightly runs from overlapping: `flock` on a file in the
/// policy registry. The kernel drops it when the process ends however it ends (kill -9
/// included), so a crashed run never leaves a stale lock behind; the file records who holds it.
public final class NightlyLock {
    public enum LockError: LocalizedError, Equatable {
        case held(path: String, holder: String)
        case cannotOpen(path: String, reason: String)

        public var errorDescription: String? {
            switch self {
            case let .held(path, holder):
                return "Another nightly run is in progress (\(holder.isEmpty ? "lock \(path)" : holder)). Wait for it to finish; the lock is released when that process ends."
            case let .cannotOpen(path, reason):
                return "Cannot open the nightly lock file \(path): \(reason)."
            }
        }
    }

    public let path: String
    private var descriptor: Int32

    /// The lock file of a policy registry: nightly runs and `rounds policy decide` take it.
    public static func path(in registry: PolicyRegistry) -> String {
        registry.root.appendingPathComponent(".nightly.lock").path
    }

    /// Takes the lock or throws `.held` at once (never waits).
    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LockError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw LockError.held(path: path, holder: holder)
        }
        let note = "pid \(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(descriptor, 0)
        _ = note.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Releases the lock (also done when the object goes away or the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
