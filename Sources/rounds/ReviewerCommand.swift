import ArgumentParser
import FeedbackStore
import Support

struct ReviewerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Manage the clinicians who review answers.",
        subcommands: [Add.self, List.self, Role.self, Map.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a reviewer.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "A short handle without spaces, e.g. tanaka (what 'rounds review --reviewer' takes).") var name: String
        @Option(help: "The name shown in reports, e.g. \"田中 花子\" (default: the handle).") var displayName: String?

        @Option(help: "reviewer (default) or lead. The first lead of a database may be added by anyone; after that only a lead adds reviewers.")
        var role: ReviewerRole = .reviewer

        func validate() throws {
            guard NameRules.handleProblem(name) == nil else {
                throw ValidationError("The reviewer name is a handle of 1–64 printable characters without spaces, e.g. rounds reviewer add tanaka --display-name \"田中 花子\"")
            }
            if let displayName, let problem = NameRules.displayNameProblem(displayName) {
                throw ValidationError("--display-name: \(problem)")
            }
        }

        static func shown(_ name: String) -> String { TerminalText.neutralised(name, multiline: false) }

        func run() throws {
            let store = try database.open()
            let reviewer = try store.addReviewer(name: name, displayName: displayName, role: role, by: store.actor())
            print("Added \(role == .lead ? "lead" : "reviewer") \(Self.shown(reviewer.name)) (\(Self.shown(reviewer.displayName))).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered reviewers.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            // Names are neutralised even though they are checked when added: a database
            // written by an older version or by hand may hold anything.
            for (reviewer, role, logins) in try database.openExisting().roster() {
                let (name, display) = (Add.shown(reviewer.name), Add.shown(reviewer.displayName))
                var line = reviewer.name == reviewer.displayName ? name : "\(name)\t\(display)"
                if role == .lead { line += "\tlead" }
                if !logins.isEmpty { line += "\tlogins: " + logins.map(Add.shown).joined(separator: ", ") }
                print(line)
            }
        }
    }
}
