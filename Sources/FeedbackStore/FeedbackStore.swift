import Foundation
import GRDB

/// The feedback database of Rounds: reviewers, prompts, policy versions, samples, the review
/// queue, append-only ratings and training runs (GRDB demo `AppDatabase`: a private writer,
/// one migrator, named methods for every write).
///
/// Every write method is one IMMEDIATE transaction, so several reviewers in separate
/// processes can share one file: the write lock is taken at BEGIN, a waiting process
/// retries for `busyTimeout`, and nothing is lost or claimed twice.
public final class FeedbackStore: Sendable {
    /// Where `rounds` keeps its database unless told otherwise.
    public static let defaultPath = "feedback/rounds.sqlite"
    /// How long a writer waits for another process's transaction before giving up.
    public static let busyTimeout: TimeInterval = 30
    /// How long a claimed item stays reserved for its reviewer without a rating before
    /// another reviewer may take the slot (long enough to read a long answer twice).
    public static let defaultClaimLifetime: TimeInterval = 30 * 60

    private let writer: any DatabaseWriter
    /// Read-only access for statistics, exports and tests.
    public var reader: any DatabaseReader { writer }
    /// The database file, as errors name it.
    public let path: String
    /// What `PRAGMA quick_check` found wrong with the file when it was opened; nil when it
    /// is sound. A damaged store can still be read, but every write is refused.
    public let damage: String?
    /// The clock stamped on every row (tests pin it).
    let now: @Sendable () -> Date
    /// Where the queue's random choices come from (the random share of informative draws,
    /// the item a random draw takes, which answer of a pair is shown as A): the system's
    /// generator unless a benchmark or test passes a seeded one, so that a seed decides the run.
    let random: @Sendable () -> UInt64
    /// The system's generator, the default `random`.
    public static let systemRandom: @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) }
    /// How long claims made through this store last (see `nextItem`).
    public let claimLifetime: TimeInterval

    /// Opens (creating if needed) the database file at `path` in WAL mode, after checking
    /// its folder and its pages (see DatabaseFile.swift). The file and its -wal/-shm
    /// companions are owner-only (0600), or group read-write (0660) in a folder set up for a
    /// group: they hold clinical text and ratings. `claimLifetime`: see `defaultClaimLifetime`;
    /// `random`: see the property.
    public convenience init(
        path: String, claimLifetime: TimeInterval = defaultClaimLifetime, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> UInt64 = systemRandom
    ) throws {
        let access = try Self.prepareFile(at: path)
        let writer: any DatabaseWriter
        let damage = try Self.quickCheck(path: path, configuration: Self.configuration())
        do {
            if damage == nil {
                writer = try DatabasePool(path: path, configuration: Self.configuration())
            } else {
                // Damaged: a plain connection, without the pool's WAL set-up (which writes);
                // `write` refuses everything else.
                writer = try DatabaseQueue(path: path, configuration: Self.configuration())
            }
        } catch {
            throw FeedbackStoreError.wrap(error, path: path)
        }
        Self.applyAccess(access, to: path)
        try self.init(writer: writer, path: path, damage: damage, claimLifetime: claimLifetime, now: now, random: random)
    }

    /// A private in-memory database (tests, previews).
    public static func inMemory(
        claimLifetime: TimeInterval = defaultClaimLifetime, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> UInt64 = systemRandom
    ) throws -> FeedbackStore {
        try FeedbackStore(
            writer: DatabaseQueue(configuration: configuration()), path: "the in-memory database", damage: nil,
            claimLifetime: claimLifetime, now: now, random: random)
    }

    private init(
        writer: any DatabaseWriter, path: String, damage: String?, claimLifetime: TimeInterval, now: @escaping @Sendable () -> Date,
        random: @escaping @Sendable () -> UInt64
    ) throws {
        guard claimLifetime.isFinite, claimLifetime > 0 else {
            throw FeedbackStoreError.invalidValue(field: "claim lifetime", value: "\(claimLifetime)", hint: "a number of seconds above 0, e.g. 1800")
        }
        self.writer = writer
        self.path = path
        self.damage = damage
        self.claimLifetime = claimLifetime
        self.now = now
        self.random = random
        // A damaged file is not migrated either: that would be a write.
        if damage == nil {
            do { try Schema.migrator.migrate(writer) } catch { throw FeedbackStoreError.wrap(error, path: path) }
        }
    }

    private static func configuration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "FeedbackStore"
        config.prepareDatabase { db in
            // 64 MB page cache per connection (default 2 MB): statistics over a million
            // ratings and bulk imports stay in memory instead of re-reading the file.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        return config
    }

    /// Runs `body` in one IMMEDIATE transaction: the write lock is taken before the first
    /// read, so a read-then-write (claiming a slot) cannot race another process.
    /// SQLite's errors are rethrown naming the file; a damaged file is not written at all.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        if let damage { throw FeedbackStoreError.damaged(path: path, detail: damage) }
        do { return try rawWrite(body) } catch { throw FeedbackStoreError.wrap(error, path: path) }
    }

    /// `write` with SQLite's own errors (tests of the schema's constraints and triggers).
    func rawWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// `write` for loading millions of rows: a 512 MB page cache so index pages stay in
    /// memory instead of spilling to the WAL again and again, and statement journals (the
    /// rating triggers need them) in memory rather than temporary files. SQLite refuses to
    /// change temp_store inside a transaction, so these are set around it.
    func bulkWrite<T>(_ body: (Database) throws -> T) throws -> T {
        if let damage { throw FeedbackStoreError.damaged(path: path, detail: damage) }
        do { return try rawBulkWrite(body) } catch { throw FeedbackStoreError.wrap(error, path: path) }
    }

    private func rawBulkWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY")
            defer { try? db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA temp_store = DEFAULT") }
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Stops this store's commits from copying the WAL back into the database file
    /// (SQLite does that in the commit that crosses 1,000 WAL pages, which makes about one
    /// commit in a hundred wait for a checkpoint and its fsync). The caller then runs
    /// `checkpoint()` at moments nobody waits for, such as after a card is on screen.
    public func deferCheckpoints() throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
    }

    /// Copies committed WAL pages into the database file without waiting for readers or
    /// writers of other processes (a passive checkpoint). False when another process was
    /// checkpointing at that moment (SQLITE_BUSY): the pages are theirs to copy then.
    @discardableResult
    public func checkpoint() throws -> Bool {
        do {
            _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            return true
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return false
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.read(body) } catch { throw FeedbackStoreError.wrap(error, path: path) }
    }

    /// The secret that keys reviewer pseudonyms in exports (random per database).
    func pseudonymSecret() throws -> String {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'pseudonym_secret'") ?? ""
        }
    }
}
