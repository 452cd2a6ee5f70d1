import Foundation
import GRDB

/// Who may read and write the database file and its -wal and -shm journal.
///
/// Owner-only (0600) unless the folder holding the database is configured for a group the
/// usual Unix way: owned by that group with the setgid bit (`chgrp clinicians feedback &&
/// chmod 2770 feedback`). Then every file in it belongs to that group and Rounds makes them
/// group read-write (0660), so every member's `rounds review` and the nightly run share one
/// database. Nothing else ever widens the files.
public enum DatabaseAccess: Equatable, Sendable {
    case ownerOnly
    case group(gid_t)

    /// The permissions of a file of the database whose current mode is `mode`: owner's bits
    /// kept (a file made read-only stays so), others' removed, the group's read-write or none.
    func permissions(from mode: mode_t) -> mode_t {
        switch self {
        case .ownerOnly: return mode & 0o700
        case .group: return (mode & 0o700) | 0o060
        }
    }
}

// Checks made before SQLite opens the file: the folder, the file's permissions, and after
// opening, SQLite's quick_check.
extension FeedbackStore {
    /// The access the database files in `folder` get (see `DatabaseAccess`).
    public static func databaseAccess(forFolder folder: String) -> DatabaseAccess {
        var info = stat()
        guard stat(folder, &info) == 0, info.st_mode & S_ISGID != 0 else { return .ownerOnly }
        return .group(info.st_gid)
    }

    /// Refuses a folder anyone may write to (another user could swap the file or plant a
    /// -wal beside it; a sticky bit, as on /tmp, stops deleting but not planting), creates a
    /// missing folder (0700) and an empty file with the right permissions, so SQLite never
    /// creates it with the process umask. Returns the access the files get.
    static func prepareFile(at path: String) throws -> DatabaseAccess {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var info = stat()
        if stat(folder, &info) == 0 {
            if info.st_mode & S_IWOTH != 0 { throw FeedbackStoreError.unsafeFolder(path: folder) }
            if FileManager.default.fileExists(atPath: path), !isWritable(folder) {
                throw FeedbackStoreError.database(
                    path: path, code: ResultCode.SQLITE_READONLY.rawValue, message: "its folder \(folder) is read-only")
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw FeedbackStoreError.cannotCreate(path: folder, reason: error.localizedDescription)
            }
        }
        let rights = databaseAccess(forFolder: folder)
        let fd = open(path, O_CREAT | O_RDWR, rights == .ownerOnly ? 0o600 : 0o660)
        guard fd >= 0 else {
            throw FeedbackStoreError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        close(fd)
        applyAccess(rights, to: path)
        return rights
    }

    /// Sets the permissions (and, for a group, the group) of the database and its journal
    /// files this user owns; SQLite creates -wal and -shm with the main file's mode, and
    /// files left by an older run or another tool are brought in line.
    static func applyAccess(_ access: DatabaseAccess, to path: String) {
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard stat(file, &info) == 0, info.st_uid == geteuid() else { continue }
            if case .group(let gid) = access, info.st_gid != gid { chown(file, uid_t.max, gid) }
            let mode = access.permissions(from: info.st_mode & 0o777)
            if mode != info.st_mode & 0o7777 { chmod(file, mode) }
        }
    }

    /// SQLite's quick_check of the file (every page's structure, not index contents: a
    /// fraction of a full integrity_check), through a plain connection that only reads, made
    /// before anything else opens the file (setting up a pool in WAL mode writes to it; a
    /// read-only connection cannot open a WAL database whose -wal file is missing): nil when
    /// it is sound, else what it found.
    static func quickCheck(path: String, configuration: Configuration) throws -> String? {
        do {
            let findings = try DatabaseQueue(path: path, configuration: configuration).read { db in
                try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
            }
            return findings == ["ok"] ? nil : findings.joined(separator: "; ")
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_CORRUPT {
            return error.message ?? "\(error.resultCode)"
        } catch {
            throw FeedbackStoreError.wrap(error, path: path)
        }
    }
}

/// Whether this process may create files in `folder` (false on a read-only file system too).
private func isWritable(_ folder: String) -> Bool { access(folder, W_OK) == 0 }
