import ArgumentParser
import FeedbackStore
import Foundation
import Loop
import Training

/// `rounds nightly`: one night of preference training, from the feedback database to a
/// promoted (or held-back) policy, the next review queue and the statistics report.
struct NightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Train a reward model and update the production policy on new feedback; promote it only if every gate passes.",
        discussion: """
            Snapshots the training-split ratings made since the production policy was trained (their row ids and hash \
            go into the new policy's manifest and the training_runs table), trains a reward model, updates the policy \
            (DPO with enough comparisons, else KTO on judgments; PPO by option), evaluates it against its parent on \
            held-out data (implicit-reward accuracy on comparisons and judgments, reward-model score of fresh answers, \
            SFT validation loss, KL to the parent; each with n and a 95% interval, decided on the bound, failing below \
            its minimum n), promotes it when every gate in --config passes and otherwise keeps it as a candidate with \
            the reason (not an error: the exit status is 0), queues fresh answers for review and writes the statistics \
            report. `rounds policy evaluate` runs the same gates on demand.
            Only one run at a time (a lock in the policy registry). Killed and started again, it finishes the same run \
            without training or queueing anything twice. Overrule it with `rounds policy promote` / `rounds policy rollback`.
            In clinician mode (the default; `promotion` in --config) a candidate that passes every gate goes into review \
            instead of production, and the night first decides earlier candidates in review on the clinicians' blind \
            comparisons: see `rounds policy decide` and `rounds policy status`.
            Example (cron, 02:00): 0 2 * * * cd /srv/rounds && scripts/nightly.sh
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var registry: RegistryOptions

    @Option(help: "Settings and promotion gates (JSON; missing file = defaults).")
    var config = NightlyConfig.defaultPath

    @Option(help: "Override the configured update method: auto, dpo, kto or ppo.")
    var method: NightlyConfig.Method?

    @Option(help: "Where to write the statistics report (default: the configuration's `report`).")
    var report: String?

    @Option(help: "Name recorded as having promoted the policy.")
    var actor = "nightly"

    func run() throws {
        var settings = try NightlyConfig.load(URL(fileURLWithPath: config))
        if let method { settings.method = method }
        if let report { settings.report = URL(fileURLWithPath: report).path }
        let store = try database.openExisting()
        let nightly = NightlyRun(store: store, registry: registry.registry, config: settings,
                                 root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), actor: actor, log: log)
        let outcome = try nightly.run()
        for d in outcome.reviewed { print("review: \(d)") }
        if let skipped = outcome.skipped { print("nightly: nothing trained: \(skipped)") }
        if let candidate = outcome.candidate, let decision = outcome.decision {
            print("nightly run \(outcome.runID!): \(candidate) \(outcome.promoted ? "PROMOTED to production" : outcome.inReview ? "IN REVIEW (clinicians' blind comparisons decide)" : "kept as candidate") — \(decision.reason)")
            print(decision)
        }
        for q in outcome.queued { print("queued: \(q)") }
        if let report = outcome.report { print("report: \(report.path)") }
    }
}

extension NightlyConfig.Method: ExpressibleByArgument {}
