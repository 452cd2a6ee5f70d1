import Foundation
import GRDB
import Support

/// Everything that can go wrong in the feedback store, each case naming the thing that is
/// wrong and what to do about it.
public enum FeedbackStoreError: LocalizedError, Equatable, Sendable {
    case unknownReviewer(String)
    case reviewerExists(String)
    case invalidName(String, reason: String)
    case unknownPolicy(String)
    case unknownAssignment(Int64)
    case assignmentNotYours(assignment: Int64, reviewer: String)
    case assignmentNotOpen(assignment: Int64, state: String)
    case claimLapsed(assignment: Int64, minutes: Int)
    case wrongItemKind(assignment: Int64, expected: String)
    case unknownRating(kind: String, id: Int64)
    case ratingNotLive(kind: String, id: Int64)
    case invalidValue(field: String, value: String, hint: String)
    case badLine(file: String, line: Int, reason: String)
    case emptyFile(String)
    case unknownTrainingRun(Int64)
    case trainingRunFinished(Int64)
    case cannotCreate(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    /// No database file where one must exist (commands that only read).
    case noDatabase(path: String)
    /// The folder holding the database may be written by anyone.
    case unsafeFolder(path: String)
    /// `PRAGMA quick_check` found damage: reads may go on, writes are refused.
    case damaged(path: String, detail: String)
    /// An error from SQLite, with the file it happened in (`code` is the primary result code).
    case database(path: String, code: Int32, message: String)

    public var errorDescription: String? {
        switch self {
        case .unknownReviewer(let name):
            let name = TerminalText.neutralised(name, multiline: false)
            return "no reviewer named '\(name)'. Add one with: rounds reviewer add \(name)"
        case .reviewerExists(let name):
            return "a reviewer named '\(TerminalText.neutralised(name, multiline: false))' already exists; pick another name"
        case .invalidName(let name, let reason):
            return "invalid name '\(TerminalText.neutralised(name, multiline: false))': \(reason)"
        case .unknownPolicy(let name):
            return "no policy version named '\(name)'. Import samples of it first: rounds answers import FILE.jsonl"
        case .unknownAssignment(let id):
            return "no review assignment #\(id); ask for the next item instead"
        case .assignmentNotYours(let id, let reviewer):
            return "review assignment #\(id) belongs to another reviewer than '\(reviewer)'"
        case .assignmentNotOpen(let id, let state):
            return "review assignment #\(id) is \(state), not open; undo the last rating to reopen it"
        case .claimLapsed(let id, let minutes):
            return "the claim on review assignment #\(id) lapsed (no rating within \(minutes) minutes) and another reviewer"
                + " has taken the item; nothing was saved for it. Ask for the next item"
        case .wrongItemKind(let id, let expected):
            return "review assignment #\(id) is not a \(expected) item"
        case .unknownRating(let kind, let id):
            return "no \(kind) #\(id)"
        case .ratingNotLive(let kind, let id):
            return "\(kind) #\(id) was already superseded or retracted; edit the latest version instead"
        case .invalidValue(let field, let value, let hint):
            return "invalid \(field) '\(value)': \(hint)"
        case .badLine(let file, let line, let reason):
            return "\(file):\(line): \(reason). Nothing was imported; fix the line and import the file again"
        case .emptyFile(let file):
            return "\(file): no records found; expected one JSON object per line"
        case .unknownTrainingRun(let id):
            return "no training run #\(id)"
        case .trainingRunFinished(let id):
            return "training run #\(id) has already finished"
        case .cannotCreate(let path, let reason):
            return "cannot create \(path): \(reason). Check the folder exists and is writable"
        case .cannotRead(let path, let reason):
            return "\(path): \(reason). Check the path and that the file is readable"
        case .noDatabase(let path):
            return "no feedback database at \(path). Pass --db PATH, or create one by adding data, e.g. rounds prompts import FILE.jsonl"
                + " or rounds reviewer add NAME"
        case .unsafeFolder(let path):
            return "\(path) may be written by anyone, so another user could replace the database or plant its journal there;"
                + " Rounds refuses a database in such a folder (sticky ones such as /tmp included). Use a folder of your own,"
                + " or close this one with: chmod o-w \(path)"
        case .damaged(let path, let detail):
            return "the database \(path) is damaged (SQLite quick_check: \(detail)); nothing was written to it."
                + " Restore it from a backup, or copy out what can be read with: sqlite3 \(path) .recover"
        case .database(let path, let code, let message):
            switch code {
            case ResultCode.SQLITE_READONLY.rawValue:
                return "cannot write \(path): it is read-only (SQLite: \(message)). Rounds writes the file and its -wal and -shm"
                    + " journal beside it: make the file and its folder writable, or copy the database to a writable folder"
            case ResultCode.SQLITE_CANTOPEN.rawValue:
                return "cannot open \(path) (SQLite: \(message)). Check the file exists, and that its folder is writable:"
                    + " Rounds keeps the -wal and -shm journal beside the database"
            case ResultCode.SQLITE_NOTADB.rawValue:
                return "\(path) is not a Rounds database (SQLite: \(message)): check --db, or restore the file from a backup"
            case ResultCode.SQLITE_CORRUPT.rawValue:
                return "the database \(path) is damaged (SQLite: \(message)). Restore it from a backup, or copy out what can"
                    + " be read with: sqlite3 \(path) .recover"
            case ResultCode.SQLITE_BUSY.rawValue, ResultCode.SQLITE_LOCKED.rawValue:
                return "\(path) stayed locked by another process (SQLite: \(message)); try again when it has finished"
            case ResultCode.SQLITE_FULL.rawValue:
                return "cannot write \(path): the disk is full (SQLite: \(message)); free some space and try again"
            default:
                return "\(path): SQLite error \(code): \(message)"
            }
        }
    }

    /// `error` as a store error naming the database file (SQLite's errors name none).
    public static func wrap(_ error: Error, path: String) -> Error {
        guard let error = error as? DatabaseError else { return error }
        return FeedbackStoreError.database(
            path: path, code: error.resultCode.primaryResultCode.rawValue, message: error.message ?? "\(error.resultCode)")
    }
}
