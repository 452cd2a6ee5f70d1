import ArgumentParser
import FeedbackStore
import Foundation

/// `--db PATH`, shared by every command that reads or writes the feedback database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The feedback database (SQLite). Commands that add data create it if missing; commands that only read it (reviewer list, stats, export, review, policy status) refuse a missing one. Owner-only (0600), or group read-write (0660) in a folder shared the Unix way (chgrp GROUP DIR; chmod 2770 DIR); a folder anyone may write to, such as /tmp, is refused.",
        valueName: "path"))
    var db: String = FeedbackStore.defaultPath

    func open(claimLifetime: TimeInterval = FeedbackStore.defaultClaimLifetime) throws -> FeedbackStore {
        try FeedbackStore(path: db, claimLifetime: claimLifetime)
    }

    /// Opens a database that must already exist (read-only commands, reviewing).
    func openExisting(claimLifetime: TimeInterval = FeedbackStore.defaultClaimLifetime) throws -> FeedbackStore {
        guard FileManager.default.fileExists(atPath: db) else { throw FeedbackStoreError.noDatabase(path: db) }
        return try open(claimLifetime: claimLifetime)
    }
}

/// `--overlap N`: how many different reviewers see each queued item.
struct OverlapOptions: ParsableArguments {
    @Option(help: "How many different reviewers see each queued item (2 or more measures agreement).") var overlap = FeedbackStore.defaultOverlap

    func validate() throws {
        guard (1...50).contains(overlap) else { throw ValidationError("--overlap must be 1–50, e.g. --overlap 2") }
    }
}

/// `--since DATE`: `2026-11-23` (midnight, local time) or an ISO 8601 time such as
/// `2026-11-23T09:00:00Z`; shared by stats, export and audit.
struct SinceOption: ParsableArguments {
    @Option(help: "Only what was recorded since this date (2026-11-23, local midnight) or time (2026-11-23T09:00:00Z).")
    var since: String?

    func validate() throws { _ = try date }

    /// The parsed date, nil without `--since`.
    var date: Date? {
        get throws {
            guard let since else { return nil }
            if let date = ISO8601DateFormatter().date(from: since) { return date }
            let day = DateFormatter()
            day.locale = Locale(identifier: "en_US_POSIX")
            day.timeZone = .current
            day.dateFormat = "yyyy-MM-dd"
            if let date = day.date(from: since) { return date }
            throw ValidationError("--since '\(since)' is not a date; type e.g. --since 2026-11-23 or --since 2026-11-23T09:00:00Z")
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
extension SplitFilter: ExpressibleByArgument {}
extension Split: ExpressibleByArgument {}
