import Foundation
import GRDB

// Adding reviewers, changing roles and mapping logins: a lead's work (anyone's while the
// database has no lead), each change and its audit entry in one transaction.
extension FeedbackStore {
    /// Adds a reviewer with `role` as `actor`. The first lead of a database may be added by
    /// anyone; after that only a lead adds reviewers.
    @discardableResult
    public func addReviewer(name: String, displayName: String? = nil, role: ReviewerRole = .reviewer, by actor: Caller) throws -> Reviewer {
        try Self.validateHandle(name, what: "reviewer name")
        if let displayName, let problem = NameRules.displayNameProblem(displayName) {
            throw FeedbackStoreError.invalidName(displayName, reason: problem)
        }
        return try write { db in
            try Self.requireLead(actor, for: "adding a reviewer", db)
            if try Reviewer.filter(Reviewer.Columns.name == name).fetchOne(db) != nil { throw FeedbackStoreError.reviewerExists(name) }
            let firstLead = try role == .lead && !Self.hasLead(db)
            var reviewer = Reviewer(id: nil, name: name, displayName: displayName ?? name, createdAt: now())
            try reviewer.insert(db)
            try db.execute(sql: "UPDATE reviewers SET role = ? WHERE id = ?", arguments: [role, reviewer.id])
            try audit(.reviewerAdd, actor: actor.name, login: actor.login, subject: name,
                      reason: firstLead ? "first lead of this database" : nil, details: ["role": role.rawValue], db)
            return reviewer
        }
    }

    /// Gives the reviewer `name` the role `role` (a lead's change). The last lead cannot
    /// step down: the database would be open to anyone again. Returns the role before; when it
    /// is already `role`, nothing is written or audited.
    @discardableResult
    public func setRole(_ role: ReviewerRole, of name: String, by actor: Caller, reason: String? = nil) throws -> ReviewerRole {
        try write { db in
            try Self.requireLead(actor, for: "changing a role", db)
            guard let old = try ReviewerRole.fetchOne(db, sql: "SELECT role FROM reviewers WHERE name = ?", arguments: [name]) else {
                throw FeedbackStoreError.unknownReviewer(name)
            }
            guard old != role else { return old }
            if old == .lead {
                let leads = try Int.fetchOne(db, sql: "SELECT count(*) FROM reviewers WHERE role = 'lead'") ?? 0
                if leads <= 1 { throw AccessError.lastLead(name) }
            }
            try db.execute(sql: "UPDATE reviewers SET role = ? WHERE name = ?", arguments: [role, name])
            try audit(.roleChange, actor: actor.name, login: actor.login, subject: name, reason: reason,
                      details: ["from": old.rawValue, "to": role.rawValue], db)
            return old
        }
    }

    /// Maps the OS login `login` to the reviewer `name`: that login then rates as `name`
    /// (and has its role). A login maps to one reviewer; mapping it again moves it. Returns the
    /// reviewer it rated as before, if it was mapped; mapping it where it already is writes and
    /// audits nothing.
    @discardableResult
    public func mapLogin(_ login: String, to name: String, by actor: Caller, reason: String? = nil) throws -> String? {
        try Self.validateHandle(login, what: "login")
        return try write { db in
            try Self.requireLead(actor, for: "mapping a login", db)
            guard let reviewer = try Reviewer.filter(Reviewer.Columns.name == name).fetchOne(db) else {
                throw FeedbackStoreError.unknownReviewer(name)
            }
            let previous = try String.fetchOne(db, sql: """
                SELECT r.name FROM reviewer_logins l JOIN reviewers r ON r.id = l.reviewer_id WHERE l.login = ?
                """, arguments: [login])
            guard previous != name else { return previous }
            try db.execute(sql: """
                INSERT INTO reviewer_logins (login, reviewer_id, mapped_by, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (login) DO UPDATE SET reviewer_id = excluded.reviewer_id, mapped_by = excluded.mapped_by,
                  created_at = excluded.created_at
                """, arguments: [login, reviewer.id, actor.name, now()])
            try audit(.loginMap, actor: actor.name, login: actor.login, subject: login, reason: reason,
                      details: ["reviewer": name, "previous": previous ?? ""], db)
            return previous
        }
    }
}
