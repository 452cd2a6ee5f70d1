import ArgumentParser
import FeedbackStore

// `rounds reviewer role` and `rounds reviewer map`: a lead's changes to who is who,
// each recorded in the audit log.
extension ReviewerCommand {
    struct Role: AuditedChange {
        static let configuration = CommandConfiguration(abstract: "Make a reviewer a lead or a reviewer (a lead's change; the last lead cannot step down).")
        @OptionGroup var change: AuditedChangeOptions
        @Argument(help: "The reviewer's handle.") var name: String
        @Argument(help: "lead or reviewer.") var role: ReviewerRole

        func make(in store: FeedbackStore, reason: String?) throws -> String {
            let before = try store.setRole(role, of: name, by: store.actor(), reason: reason)
            if before == role { return "\(Add.shown(name)) is already a \(role.rawValue); nothing changed." }
            return "\(Add.shown(name)) is now a \(role.rawValue) (was a \(before.rawValue))."
        }
    }

    struct Map: AuditedChange {
        static let configuration = CommandConfiguration(abstract: "Let an OS login rate as a reviewer (a lead's change). Unmapped, a login rates as the reviewer of the same name.")
        @OptionGroup var change: AuditedChangeOptions
        @Argument(help: "The OS login (what `id -un` prints for that person).") var login: String
        @Argument(help: "The reviewer's handle.") var name: String

        /// Checked before the database is opened, with the command to type.
        func validate() throws {
            if let problem = NameRules.handleProblem(login, what: "login") {
                throw ValidationError("LOGIN: \(problem); type e.g. rounds reviewer map htanaka tanaka")
            }
        }

        func make(in store: FeedbackStore, reason: String?) throws -> String {
            let before = try store.mapLogin(login, to: name, by: store.actor(), reason: reason)
            let moved = before.map { $0 == name ? "; it already did, nothing changed" : " (it rated as \(Add.shown($0)) before)" } ?? ""
            return "Login \(Add.shown(login)) now rates as \(Add.shown(name))\(moved)."
        }
    }
}

extension ReviewerRole: ExpressibleByArgument {}

/// A lead's change to an existing database, recorded in the audit log with its `--reason`:
/// `run()` opens the database, makes the change and prints what `make` says of it.
protocol AuditedChange: ParsableCommand {
    var change: AuditedChangeOptions { get }
    func make(in store: FeedbackStore, reason: String?) throws -> String
}

extension AuditedChange {
    func run() throws {
        print(try make(in: try change.database.openExisting(), reason: change.reason))
    }
}

/// The database and `--reason` of an `AuditedChange`.
struct AuditedChangeOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Why (recorded in the audit log).") var reason: String?
}
