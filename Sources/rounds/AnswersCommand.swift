import ArgumentParser
import FeedbackStore
import Foundation

/// `rounds answers import`: answers made elsewhere into the database.
struct AnswersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answers",
        abstract: "Import answers that policies gave elsewhere (to sample them here: rounds sample-answers).",
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

        @OptionGroup var source: ImportOptions

        func run() throws {
            try source.run { try $0.importSamples(from: $1, heldOutFraction: $2, scrubber: $3) }
        }
    }
}

/// The old names `rounds samples import` and `rounds sample`, hidden: each says its new name
/// and runs it.
struct SamplesAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples", abstract: "Old name of `rounds answers`.", shouldDisplay: false, subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Old name of `rounds answers import`.")
        @OptionGroup var command: AnswersCommand.Import
        func run() throws {
            log("note: `rounds samples import` is now `rounds answers import`; the old name will be removed.")
            try command.run()
        }
    }
}

struct SampleAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Old name of `rounds sample-answers`.", shouldDisplay: false)
    @OptionGroup var command: SampleAnswersCommand
    func run() throws {
        log("note: `rounds sample` is now `rounds sample-answers`; the old name will be removed.")
        try command.run()
    }
}
