import ArgumentParser
import FeedbackStore
import Foundation
import Privacy

/// `--no-scrub`, shared by the import commands.
struct ScrubOptions: ParsableArguments {
    @Flag(help: ArgumentHelp(
        "Store the text as it is, without replacing identifiers: only for data already de-identified. Recorded in the database."))
    var noScrub = false

    var scrubber: Scrubber? { noScrub ? nil : .standard }
}

/// The database, file, held-out share and scrubbing of an import (`rounds prompts import`,
/// `rounds answers import`).
struct ImportOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var scrub: ScrubOptions
    @Argument(help: ArgumentHelp("The JSONL file to import.", valueName: "file.jsonl")) var file: String
    @Option(help: "Share of new prompts held out of training for evaluation (0 to <1), decided by each prompt's hash.") var heldOut: Double = PromptKey.defaultHeldOutFraction

    func validate() throws {
        guard heldOut >= 0, heldOut < 1 else { throw ValidationError("--held-out must be from 0 up to (not including) 1, e.g. --held-out 0.1") }
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("No file at \(file); pass the path of a .jsonl file") }
    }

    /// Imports the file with `load` and prints its summary.
    func run<Summary>(_ load: (FeedbackStore, URL, Double, Scrubber?) throws -> Summary) throws {
        let summary = try load(try database.open(), URL(fileURLWithPath: file), heldOut, scrub.scrubber)
        print("\(file): \(summary)")
    }
}

struct PromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Manage the prompts that policies answer and clinicians review.",
        subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import prompts from a JSONL file.",
            discussion: """
                One JSON object per line: {"prompt": "…"}, a TRL prompt {"prompt": [{"role": "user", "content": "…"}]}, \
                or an SFT example {"messages": […]} (the prompt is the conversation up to its last user turn). \
                Prompts already stored are skipped. A bad line stops the import with FILE:LINE and nothing is stored. \
                Names, phone numbers, IDs, dates, addresses, e-mail and URLs are replaced by placeholders before anything \
                is stored (see rounds scrub); --no-scrub skips that for data already de-identified.
                """)

        @OptionGroup var source: ImportOptions

        func run() throws {
            try source.run { try $0.importPrompts(from: $1, heldOutFraction: $2, scrubber: $3) }
        }
    }
}
