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

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scrub: ScrubOptions

        @Argument(help: ArgumentHelp("The JSONL file to import.", valueName: "file.jsonl"))
        var file: String

        @Option(help: "Share of new prompts held out of training for evaluation (0 to <1), decided by each prompt's hash.")
        var heldOut: Double = PromptKey.defaultHeldOutFraction

        func validate() throws {
            guard heldOut >= 0, heldOut < 1 else { throw ValidationError("--held-out must be from 0 up to (not including) 1, e.g. --held-out 0.1") }
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("No file at \(file); pass the path of a .jsonl file") }
        }

        func run() throws {
            let summary = try database.open().importPrompts(
                from: URL(fileURLWithPath: file), heldOutFraction: heldOut, scrubber: scrub.scrubber)
            print("\(file): \(summary)")
        }
    }
}

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Manage answers of policy versions to prompts.",
        subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import answers made elsewhere from a JSONL file.",
            discussion: """
                One JSON object per line: {"prompt": …, "policy": "v2", "completion": "…"} ("text" works too), \
                optionally "token_count", "logprob_sum", "temperature", "top_p", "top_k", "seed". \
                New prompts and policy versions are added. A bad line stops the import and nothing is stored. \
                Prompts and answers are scrubbed of identifiers before they are stored unless --no-scrub is given.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var scrub: ScrubOptions

        @Argument(help: ArgumentHelp("The JSONL file to import.", valueName: "file.jsonl"))
        var file: String

        @Option(help: "Share of new prompts held out of training for evaluation (0 to <1).")
        var heldOut: Double = PromptKey.defaultHeldOutFraction

        func validate() throws {
            guard heldOut >= 0, heldOut < 1 else { throw ValidationError("--held-out must be from 0 up to (not including) 1, e.g. --held-out 0.1") }
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("No file at \(file); pass the path of a .jsonl file") }
        }

        func run() throws {
            let summary = try database.open().importSamples(
                from: URL(fileURLWithPath: file), heldOutFraction: heldOut, scrubber: scrub.scrubber)
            print("\(file): \(summary)")
        }
    }
}
