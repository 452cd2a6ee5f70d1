import Foundation
import GRDB

/// What a reviewer may do. A `lead` also adjudicates, adds gold items, changes roles and
/// login mappings, promotes, rolls back, decides reviews, and sees reviewers' names in
/// exports and statistics.
public enum ReviewerRole: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case reviewer, lead
}

/// Who is running a command: the OS login, and the reviewer it acts as (the reviewer the
/// login is mapped to, else the reviewer named like the login), if any.
public struct Caller: Hashable, Sendable {
    public var login: String
    public var reviewer: Reviewer?
    public var role: ReviewerRole?

    /// The name the audit log records: the reviewer's name, else the login.
    public var name: String { reviewer?.name ?? login }
    public var isLead: Bool { role == .lead }

    /// The login of the user running this process (the password database, not $USER, which
    /// anyone can set).
    public static func currentLogin() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid-\(getuid())"
    }
}

/// Refusals of the role rules, each saying who may do it instead.
public enum AccessError: LocalizedError, Equatable, Sendable {
    case leadOnly(action: String, login: String, actingAs: String?)
    case notYourself(login: String, actingAs: String?, asked: String)
    case lastLead(String)

    public var errorDescription: String? {
        switch self {
        case let .leadOnly(action, login, actingAs):
            let who = actingAs.map { "login '\(login)' acts as reviewer '\($0)', who is not a lead" }
                ?? "login '\(login)' is not mapped to any reviewer"
            return "\(action) is for a lead only: \(who). Ask a lead to run it, or to make you one: rounds reviewer role NAME lead"
        case let .notYourself(login, actingAs, asked):
            let own = actingAs.map { "you rate as '\($0)'" } ?? "no reviewer is mapped to your login '\(login)'"
            return "you cannot rate as '\(asked)': \(own). A lead maps logins to reviewers: rounds reviewer map \(login) \(asked)"
        case let .lastLead(name):
            return "'\(name)' is the only lead; make another reviewer lead first (rounds reviewer role NAME lead)"
        }
    }
}

extension FeedbackStore {
    /// The actor for `login` (default: the user running this process).
    public func actor(login: String = Caller.currentLogin()) throws -> Caller {
        try read { db in try Self.actor(login: login, db) }
    }

    static func actor(login: String, _ db: Database) throws -> Caller {
        let reviewer = try Reviewer.fetchOne(db, sql: """
            SELECT r.* FROM reviewer_logins l JOIN reviewers r ON r.id = l.reviewer_id WHERE l.login = ?
            """, arguments: [login]) ?? Reviewer.filter(Reviewer.Columns.name == login).fetchOne(db)
        let role = try reviewer.flatMap { try ReviewerRole.fetchOne(db, sql: "SELECT role FROM reviewers WHERE id = ?", arguments: [$0.id]) }
        return Caller(login: login, reviewer: reviewer, role: role)
    }

    /// Whether any reviewer is a lead. A database without one is being set up: anyone may do
    /// what a lead does, and the first `reviewer add --role lead` ends that.
    public func hasLead() throws -> Bool {
        try read { db in try Self.hasLead(db) }
    }

    static func hasLead(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM reviewers WHERE role = 'lead')") ?? false
    }

    /// Throws unless `actor` may do what only a lead does (`action` names it in the message):
    /// a lead, or anyone while the database has no lead yet.
    public func requireLead(_ actor: Caller, for action: String) throws {
        try read { db in try Self.requireLead(actor, for: action, db) }
    }

    static func requireLead(_ actor: Caller, for action: String, _ db: Database) throws {
        guard try hasLead(db) else { return }
        let current = try Self.actor(login: actor.login, db)
        guard current.isLead else { throw AccessError.leadOnly(action: action, login: actor.login, actingAs: current.reviewer?.name) }
    }

    /// The reviewer `actor` rates as. `asked` (the --reviewer option) must be that reviewer
    /// once the database has a lead; before that, any registered reviewer may be named.
    public func ratingIdentity(_ actor: Caller, asked: String?) throws -> String {
        try read { db in
            let setUp = try !Self.hasLead(db)
            if let asked {
                if setUp || asked == actor.reviewer?.name { return asked }
                throw AccessError.notYourself(login: actor.login, actingAs: actor.reviewer?.name, asked: asked)
            }
            return actor.reviewer?.name ?? actor.login
        }
    }

    /// The role of the reviewer `name`.
    public func role(of name: String) throws -> ReviewerRole {
        try read { db in
            guard let role = try ReviewerRole.fetchOne(db, sql: "SELECT role FROM reviewers WHERE name = ?", arguments: [name]) else {
                throw FeedbackStoreError.unknownReviewer(name)
            }
            return role
        }
    }

    /// Reviewers with their roles and the logins mapped to them, by name.
    public func roster() throws -> [(reviewer: Reviewer, role: ReviewerRole, logins: [String])] {
        try read { db in
            let reviewers = try Reviewer.order(Reviewer.Columns.name).fetchAll(db)
            var roles: [Int64: ReviewerRole] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, role FROM reviewers") { roles[row[0]] = row[1] }
            var logins: [Int64: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT reviewer_id, login FROM reviewer_logins ORDER BY login") {
                logins[row[0], default: []].append(row[1])
            }
            return reviewers.map { ($0, roles[$0.id!] ?? .reviewer, logins[$0.id!] ?? []) }
        }
    }
}
