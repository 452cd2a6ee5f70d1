import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// The database file on disk: who may read it, where it may live, and what happens when it
/// is damaged.
@Suite struct DatabaseFileTests {
    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    func group(_ path: String) -> gid_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_gid : gid_t.max
    }

    /// A store with a reviewer and a queued, rated item, so the WAL and SHM files exist.
    func busyStore(at path: String) throws -> FeedbackStore {
        let store = try FeedbackStore(path: path)
        try seed(store, prompts: 3, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let r = try store.registerReviewer(name: "r1")
        let item = try #require(try store.nextItem(for: r))
        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .correct, secondsSpent: 1)
        return store
    }

    @Test func theDatabaseAndItsJournalAreOwnerOnly() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("feedback/rounds.sqlite").path
        let store = try busyStore(at: path)
        for suffix in ["", "-wal", "-shm"] {
            #expect(FileManager.default.fileExists(atPath: path + suffix), "\(suffix)")
            #expect(mode(path + suffix) == 0o600, "\(suffix): \(String(mode(path + suffix), radix: 8))")
        }
        // and the folder Rounds created for it too
        #expect(mode(folder.appendingPathComponent("feedback").path) == 0o700)
        // A file left group- and world-readable by another tool is tightened on the next open
        withExtendedLifetime(store) {}
        chmod(path, 0o644)
        _ = try FeedbackStore(path: path)
        #expect(mode(path) == 0o600)
    }

    @Test func aSharedGroupFolderMakesThemGroupReadWrite() throws {
        // Given a folder configured for a group: setgid, group rwx, nobody else
        // (root may give it any group; anyone else one of their own)
        let folder = try temporaryFolder().appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        var groups = [gid_t](repeating: 0, count: 64)
        let count = Int(getgroups(Int32(groups.count), &groups))
        let gid: gid_t = getuid() == 0 ? 12345 : (groups.prefix(max(count, 0)).first { $0 != getgid() } ?? getgid())
        #expect(chown(folder.path, getuid(), gid) == 0)
        chmod(folder.path, 0o2770)
        #expect(mode(folder.path) == 0o2770)

        // When a database is made in it, Then it and its journal are 0660 in the folder's group
        let path = folder.appendingPathComponent("rounds.sqlite").path
        let store = try busyStore(at: path)
        for suffix in ["", "-wal", "-shm"] {
            #expect(mode(path + suffix) == 0o660, "\(suffix): \(String(mode(path + suffix), radix: 8))")
            #expect(group(path + suffix) == gid)
        }
        withExtendedLifetime(store) {}
        #expect(FeedbackStore.databaseAccess(forFolder: folder.path) == .group(gid))
        #expect(FeedbackStore.databaseAccess(forFolder: try temporaryFolder().path) == .ownerOnly)
    }

    @Test(arguments: [0o777, 0o1777, 0o2777, 0o773])
    func aWorldWritableFolderIsRefused(permissions: Int) throws {
        // Given a folder anyone may write to (sticky, like /tmp, included)
        let folder = try temporaryFolder().appendingPathComponent("open")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        chmod(folder.path, mode_t(permissions))
        let path = folder.appendingPathComponent("rounds.sqlite").path

        // When a database is opened there, Then it is refused, naming the folder and the fix
        do {
            _ = try FeedbackStore(path: path)
            Issue.record("a database in a \(String(permissions, radix: 8)) folder was opened")
        } catch let error as FeedbackStoreError {
            guard case .unsafeFolder(let named) = error else { Issue.record("\(error)"); return }
            #expect(named == folder.path)
            #expect(error.localizedDescription.contains("chmod o-w"))
        }
        // and nothing was created in it
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aDamagedFileIsReportedAndNeverWritten() throws {
        // Given a database whose prompts table has one page overwritten with garbage
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("rounds.sqlite").path
        let root: Int
        do {
            let store = try busyStore(at: path)
            root = try store.reader.read { db in try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'prompts'") } ?? 0
            try store.checkpoint()
        }
        // (the store is closed and its WAL copied into the file: no WAL page can mask the damage)
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        #expect(root > 1)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64((root - 1) * 4096))
        var rng = SeededGenerator(seed: 3)
        handle.write(Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        try handle.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // When it is opened and asked to add a reviewer (whose table is intact)
        let store = try FeedbackStore(path: path)
        #expect(store.damage != nil)
        do {
            try store.registerReviewer(name: "mallory")
            Issue.record("a damaged database was written to")
        } catch let error as FeedbackStoreError {
            // Then the write is refused, naming the file and what to do
            guard case .damaged(let named, _) = error else { Issue.record("\(error)"); return }
            #expect(named == path)
            #expect(error.localizedDescription.contains(path) && error.localizedDescription.contains("backup"))
        }
        // And the file is unchanged
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func sqliteErrorsNameTheDatabaseFile() throws {
        // Given a database file, and the same file opened read-only by SQLite
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("rounds.sqlite").path
        _ = try busyStore(at: path)
        let error = FeedbackStoreError.database(path: path, code: ResultCode.SQLITE_READONLY.rawValue, message: "attempt to write a readonly database")
        #expect(error.localizedDescription.contains(path) && error.localizedDescription.contains("read-only"))
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        do {
            try queue.write { db in try db.execute(sql: "DELETE FROM reviewers") }
            Issue.record("wrote through a read-only connection")
        } catch {
            let wrapped = FeedbackStoreError.wrap(error, path: path)
            #expect(wrapped.localizedDescription.contains(path) && wrapped.localizedDescription.contains("read-only"),
                    "\(wrapped.localizedDescription)")
        }
        // and a write the database refuses (a constraint) names it too
        let store = try FeedbackStore(path: path)
        do {
            try store.write { db in try db.execute(sql: "INSERT INTO reviewers (name) VALUES (NULL)") }
            Issue.record("a constraint was not enforced")
        } catch {
            #expect(error.localizedDescription.contains(path), "\(error.localizedDescription)")
        }
    }

    @Test func aFileThatIsNotADatabaseIsNamed() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("notes.sqlite").path
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try FeedbackStore(path: path)
            Issue.record("a text file was opened as a database")
        } catch {
            #expect(error.localizedDescription.contains(path) && error.localizedDescription.contains("not a Rounds database"),
                    "\(error.localizedDescription)")
        }
    }
}
