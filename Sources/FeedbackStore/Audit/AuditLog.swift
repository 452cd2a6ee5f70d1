import Foundation
import GRDB

/// What the audit log records.
public enum AuditAction: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case promote, rollback
    /// A candidate's clinician review decided (promoted, rejected, or ended).
    case decide
    /// A candidate that passed the gates put into clinician review.
    case review
    case export
    case reviewerAdd = "reviewer-add"
    case roleChange = "role-change"
    case loginMap = "login-map"
    case goldAdd = "gold-add"
    case goldImport = "gold-import"
    case goldRetire = "gold-retire"
    case goldSettings = "gold-settings"
    case adjudicate
    case queueOrder = "queue-order"
}

/// One row of the append-only audit log: who (a reviewer, or `system:NAME` for the night),
/// from which OS login, when, what, on what, and why.
public struct AuditEntry: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit_log"
    public var id: Int64?
    public var createdAt: Date
    public var actor: String
    public var login: String
    public var action: AuditAction
    public var subject: String
    public var reason: String?
    /// A JSON object of further facts (the file exported, the old and new role, …).
    public var details: String

    enum CodingKeys: String, CodingKey {
        case id, createdAt = "created_at", actor, login, action, subject, reason, details
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The actor name the night records: it acts for the system, not for a person.
    public static func system(_ name: String) -> String { "system:\(name)" }
}

extension FeedbackStore {
    /// Appends one entry (its own transaction).
    @discardableResult
    public func audit(
        _ action: AuditAction, actor: String, login: String = Caller.currentLogin(), subject: String, reason: String? = nil,
        details: [String: String] = [:]
    ) throws -> AuditEntry {
        try write { db in try audit(action, actor: actor, login: login, subject: subject, reason: reason, details: details, db) }
    }

    /// Appends one entry inside the caller's transaction, so the change and its record commit together.
    @discardableResult
    func audit(
        _ action: AuditAction, actor: String, login: String, subject: String, reason: String?, details: [String: String],
        _ db: Database
    ) throws -> AuditEntry {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
        var entry = AuditEntry(
            id: nil, createdAt: now(), actor: actor, login: login, action: action, subject: subject, reason: reason, details: json)
        try entry.insert(db)
        return entry
    }

    /// Entries oldest first, filtered by action, by actor or login (`who`), and by time.
    public func auditEntries(action: AuditAction? = nil, who: String? = nil, since: Date? = nil, limit: Int? = nil) throws -> [AuditEntry] {
        try read { db in
            var request = AuditEntry.order(Column("created_at"), Column("id"))
            if let action { request = request.filter(Column("action") == action) }
            if let who { request = request.filter(Column("actor") == who || Column("login") == who) }
            if let since { request = request.filter(Column("created_at") >= since) }
            var entries = try request.fetchAll(db)
            if let limit, entries.count > limit { entries = Array(entries.suffix(max(0, limit))) }
            return entries
        }
    }
}
