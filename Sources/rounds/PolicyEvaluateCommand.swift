import ArgumentParser
import FeedbackStore
import Foundation
import Loop
import Training

extension PolicyCommand {
    /// `rounds policy evaluate CANDIDATE [--against PARENT] [--json]`: the nightly run's
    /// offline gates on demand (the same code, `OfflineGates`).
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the offline promotion gates for a candidate against its parent (or --against) and print the decision.",
            discussion: """
                Scores both policies on held-out data only — implicit-reward accuracy on held-out comparisons and judgments \
                (Wilson 95% interval), the reward model's preference σ(r_candidate − r_parent) and KL on fresh answers to \
                held-out prompts, and SFT validation \
                loss (seeded bootstrap 95% intervals) — and decides each gate on the bound unfavourable to the candidate, \
                with the thresholds and minimum evidence in --config. Fresh answers are stored and queued for review like \
                the nightly run's (an evaluation run again reuses them). Exit status 0 whether or not the candidate passes; \
                read `passes` with --json.
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The candidate policy.") var candidate: String
        @Option(help: "The policy to compare with (default: the candidate's parent in its manifest).") var against: String?
        @Option(help: "Reward model that scores fresh answers (default: the one the candidate's manifest names, else CANDIDATE-rm).") var rewardModel: String?
        @Option(help: "Gate thresholds, minimum evidence and evaluation settings (JSON; missing file = defaults).") var config = "feedback/nightly.json"
        @Flag(help: "Print the decision as JSON: {passes, gates: [{name, n, estimate, lower, upper, threshold, passed, reason}, …]}.") var json = false

        func run() throws {
            let settings = try NightlyConfig.load(URL(fileURLWithPath: config))
            let gates = OfflineGates(store: try database.openExisting(), registry: registry.registry, config: settings,
                                     root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), log: log)
            let report = try withOptionHints { try gates.evaluate(candidate: candidate, against: against, rewardModel: rewardModel) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("\(report.candidate) against \(report.parent):")
                print(report)
            }
        }
    }
}
