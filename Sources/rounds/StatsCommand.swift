import ArgumentParser
import FeedbackStore
import Foundation
import Support

struct StatsCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv, html }

    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Statistics of the ratings: reviewers, correct rate per version, wins, Bradley-Terry ratings, agreement.",
        discussion: """
            Only the latest ratings count: edited and undone ratings are replaced by their newest version. \
            Reviewers appear as stable pseudonyms (the same as in exports); --include-identifiers (or --with-reviewer-names) shows their names.
            """)

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var since: SinceOption

    @Option(help: "table (terminal), json, csv, or html (one self-contained file with charts).")
    var format: Format = .table

    @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: "Bootstrap rounds for the Bradley-Terry 95% intervals (0 skips them).")
    var bootstrap = 1000

    @Option(help: "Seed of the bootstrap, so reruns print the same intervals.")
    var seed: UInt64 = 42

    @Flag(name: [.customLong("include-identifiers"), .customLong("with-reviewer-names")],
          help: "Show reviewers' names instead of pseudonyms (a lead only).")
    var withReviewerNames = false

    func validate() throws {
        guard (0...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be 0–100000, e.g. --bootstrap 1000") }
        if format == .html && out == nil { throw ValidationError("--format html writes a file; add --out report.html") }
    }

    func run() throws {
        let store = try database.openExisting()
        if withReviewerNames { _ = try Identity.lead(store, for: "statistics with reviewers' names") }
        let report = try store.statsReport(
            since: since.date, bootstrapRounds: bootstrap, seed: seed, withReviewerNames: withReviewerNames)
        let data: Data
        switch format {
        case .table: data = Data(report.table.utf8)
        case .json: data = try report.json() + Data("\n".utf8)
        case .csv: data = Data(report.csv.utf8)
        case .html: data = Data(report.html.utf8)
        }
        if let out {
            try AtomicFile.write(data, to: URL(fileURLWithPath: out), permissions: 0o600)   // holds clinical text
            print("Wrote \(out)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
