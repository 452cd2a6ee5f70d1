import ArgumentParser
import FeedbackStore
import Foundation
import Loop
import Training

/// `rounds policy decide` and `rounds policy status`: clinician-decided promotion.
extension PolicyCommand {
    /// The database, registry and promotion settings both commands read.
    struct ReviewOptions: ParsableArguments {
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var registry: RegistryOptions
        @Option(help: "Nightly settings; its `promotion` section sets the interval's confidence (missing file = defaults).")
        var config = NightlyConfig.defaultPath

        func review(_ store: FeedbackStore? = nil) throws -> ClinicianReview {
            let settings = try NightlyConfig.load(URL(fileURLWithPath: config)).promotion
            return ClinicianReview(store: try store ?? database.openExisting(), registry: registry.registry, settings: settings)
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Promote or reject candidates in review on the clinicians' blind comparisons with production (recorded with who and why).",
            discussion: """
                A candidate in review is promoted when the anytime-valid 95% interval on its win rate against production \
                (ties count half; Waudby-Smith & Ramdas 2023 betting confidence sequence) lies above 0.5 and no answer of \
                it has a severe-harm rating; it is rejected on a severe-harm rating or when the interval lies below 0.5; \
                otherwise it keeps waiting, with an estimate of how many more comparisons it needs. The interval stays \
                valid however often this is run. Without CANDIDATE every candidate in review is decided (as each night does \
                in clinician mode).
                """)
        @OptionGroup var options: ReviewOptions
        @Argument(help: "The candidate to decide (default: every candidate in review).")
        var candidate: String?
        @Option(help: "Who decides (default: you, as your login's reviewer; another name only while the database has no lead).")
        var by: String?
        @Flag(help: "Print the decisions as JSON.")
        var json = false

        func run() throws {
            let registry = options.registry.registry
            let lock = try NightlyLock(path: NightlyLock.path(in: registry))
            defer { lock.release() }
            let store = try options.database.openExisting()
            let (_, who) = try Identity.decider(store, by: by, for: "deciding a review")
            let decisions = try options.review(store).decide(candidate, by: who)
            if json {
                print(String(decoding: try PolicyRegistry.encoder.encode(decisions), as: UTF8.self))
            } else if decisions.isEmpty {
                print("No candidate is in review. `rounds policy status` lists every candidate and its evidence.")
            } else {
                for d in decisions { print(d) }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every trained policy's review: in review, promoted, rejected or kept, with the clinicians' evidence against its parent.")
        @OptionGroup var options: ReviewOptions
        @Flag(help: "Print the statuses as JSON.")
        var json = false

        func run() throws {
            let statuses = try options.review().statuses()
            if json {
                print(String(decoding: try PolicyRegistry.encoder.encode(statuses), as: UTF8.self))
                return
            }
            if statuses.isEmpty {
                print("No trained policy in \(options.registry.root)/ yet.")
                return
            }
            print(pad("name", 20) + pad("state", 11) + pad("vs", 14) + pad("n", 5) + pad("W/T/L", 11) + pad("win rate", 9)
                  + pad("interval", 17) + pad("harm", 5) + "decision")
            for s in statuses {
                let e = s.evidence
                let interval = String(format: "[%.3f, %.3f]", e.lower, e.upper)
                let decision = s.decision.map { "\($0.rawValue) (now)" } ?? s.status.rawValue
                print(pad(s.name, 20) + pad(s.state.rawValue, 11) + pad(s.parent, 14) + pad("\(e.comparisons)", 5)
                      + pad("\(e.wins)/\(e.ties)/\(e.losses)", 11) + pad(e.estimate.map { String(format: "%.3f", $0) } ?? "-", 9)
                      + pad(interval, 17) + pad("\(e.severeHarm.count)", 5) + decision)
                if let reason = s.reason { print("    \(s.by.map { "by \($0): " } ?? "")\(reason)") }
                if let waits = s.waitsFor { print("    waits for \(waits)") }
            }
            if let confidence = statuses.first?.evidence.confidence {
                print("n: answer pairs rated (one rating each); win rate counts ties half; interval: anytime-valid \(String(format: "%g", confidence * 100))% (betting confidence sequence); harm: severe-harm ratings of its answers")
            }
        }
    }
}
