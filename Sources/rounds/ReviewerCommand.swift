import ArgumentParser
import FeedbackStore
import Support

struct ReviewerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Manage the clinicians who review answers.",
        subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a reviewer.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "A short handle without spaces, e.g. tanaka (what 'rounds review --reviewer' takes).")
        var name: String

        @Option(help: "The name shown in reports, e.g. \"田中 花子\" (default: the handle).")
        var displayName: String?

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
            let reviewer = try database.open().registerReviewer(name: name, displayName: displayName)
            print("Added reviewer \(Self.shown(reviewer.name)) (\(Self.shown(reviewer.displayName))).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered reviewers.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            // Names are neutralised even though they are checked when added: a database
            // written by an older version or by hand may hold anything.
            for reviewer in try database.openExisting().reviewers() {
                let (name, display) = (Add.shown(reviewer.name), Add.shown(reviewer.displayName))
                print(reviewer.name == reviewer.displayName ? name : "\(name)\t\(display)")
            }
        }
    }
}
