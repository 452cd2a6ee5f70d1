import ArgumentParser
import FeedbackStore

// `rounds reviewer role` and `rounds reviewer map`: a lead's changes to who is who,
// each recorded in the audit log.
extension ReviewerCommand {
    struct Role: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a reviewer a lead or a reviewer (a lead's change; the last lead cannot step down).")
        @OptionGroup var change: AuditedChange
        @Argument(help: "The reviewer's handle.") var name: String
        @Argument(help: "lead or reviewer.") var role: ReviewerRole

        func run() throws {
            try change.apply { store, reason in
                try store.setRole(role, of: name, by: store.actor(), reason: reason)
                return "\(name) is now a \(role.rawValue)."
            }
        }
    }

    struct Map: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let an OS login rate as a reviewer (a lead's change). Unmapped, a login rates as the reviewer of the same name.")
        @OptionGroup var change: AuditedChange
        @Argument(help: "The OS login (what `id -un` prints for that person).") var login: String
        @Argument(help: "The reviewer's handle.") var name: String

        func run() throws {
            try change.apply { store, reason in
                try store.mapLogin(login, to: name, by: store.actor(), reason: reason)
                return "Login \(login) now rates as \(name)."
            }
        }
    }
}

extension ReviewerRole: ExpressibleByArgument {}

/// The database and `--reason` of a lead's change to an existing database (recorded in the
/// audit log): opens the database, makes the change, prints what it says.
struct AuditedChange: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func apply(_ change: (FeedbackStore, String?) throws -> String) throws {
        print(try change(try database.openExisting(), reason))
    }
}
