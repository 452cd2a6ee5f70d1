import ArgumentParser
import FeedbackStore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export ratings for training elsewhere (TRL formats) or for spreadsheets.",
        discussion: """
            preference: {"prompt", "chosen", "rejected"} from comparisons (ties and both-bad left out) and from \
            corrections (the correction chosen over the original, with "correction_id"). \
            unpaired: {"prompt", "completion", "label"} from judgments (with their rubric "axes") and corrections \
            (label true). sft: {"messages"} of answers judged correct and of corrections. \
            csv: every rating, with its rubric axes and correction. Only the latest ratings count. \
            Reviewers appear as stable pseudonyms.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "preference, unpaired, sft or csv.")
    var format: ExportFormat

    @Option(help: ArgumentHelp("The file to write (atomically).", valueName: "file"))
    var out: String

    @OptionGroup var since: SinceOption

    @Option(help: "Prompts to include: train, heldout or all. Default: train for training formats, all for csv.")
    var split: SplitFilter?

    @Flag(name: [.customLong("include-identifiers"), .customLong("with-reviewer-names")],
          help: "Write reviewers' names instead of pseudonyms (a lead only; recorded in the audit log).")
    var withReviewerNames = false

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out needs a file name, e.g. --out pairs.jsonl") }
    }

    func run() throws {
        let store = try database.openExisting()
        let actor = try withReviewerNames ? Identity.lead(store, for: "exporting with reviewers' names") : store.actor()
        let chosenSplit = split ?? (format == .csv ? .all : .train)
        let summary = try store.export(
            format, to: out, since: since.date, split: chosenSplit, withReviewerNames: withReviewerNames)
        try store.audit(.export, actor: actor.name, login: actor.login, subject: out, details: [
            "format": format.rawValue, "split": chosenSplit.rawValue, "rows": "\(summary.rows)",
            "reviewer_names": withReviewerNames ? "yes" : "no", "since": since.since ?? ""])
        print("\(out): \(summary)")
    }
}
