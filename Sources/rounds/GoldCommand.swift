import ArgumentParser
import FeedbackStore
import Foundation
import Privacy
import Support

/// `rounds gold …`: items with a known verdict, mixed into every reviewer's queue to measure
/// how reliable each reviewer is (a lead's work).
struct GoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gold",
        abstract: "Add, import, list and retire gold items (answers with a known verdict); set the gold share.",
        discussion: """
            A share of every reviewer's queue (default \(Int(GoldSettings.defaultShare * 100))%) is gold: after each item \
            queued, a copy of a gold item of the same kind is queued with the matching probability, drawn, numbered and \
            shown exactly like any other card. `rounds stats` shows each reviewer's gold accuracy and self-consistency; a \
            reviewer whose accuracy's upper 95% bound is below the minimum is flagged, and the night down-weights their \
            ratings (calibration.flaggedWeight in feedback/nightly.json). Gold ratings never train.
            """,
        subcommands: [Add.self, Import.self, List.self, Retire.self, Settings.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add one gold item: an answer with its verdict, or two answers with the better one.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The question, as a reviewer reads it.")
        var prompt: String
        @Option(help: "A single answer (with --verdict).")
        var answer: String?
        @Option(help: "correct or incorrect (with --answer).")
        var verdict: Verdict?
        @Option(name: .customLong("answer-a"), help: "The first answer of a pair (with --answer-b and --preferred).")
        var answerA: String?
        @Option(name: .customLong("answer-b"), help: "The second answer of a pair.")
        var answerB: String?
        @Option(help: "a, b, tie or both_bad (with --answer-a and --answer-b).")
        var preferred: String?
        @Option(help: "Why this is the right verdict (kept with the item).")
        var rationale: String?

        func validate() throws {
            if answer != nil {
                guard verdict != nil, answerA == nil, answerB == nil, preferred == nil else {
                    throw ValidationError("A single gold answer takes --answer and --verdict correct|incorrect (not --answer-a/--answer-b/--preferred).")
                }
            } else {
                guard answerA != nil, answerB != nil, preferred != nil, verdict == nil else {
                    throw ValidationError("Give --answer with --verdict, or --answer-a, --answer-b and --preferred a|b|tie|both_bad.")
                }
            }
        }

        func run() throws {
            var object: [String: Any] = ["prompt": prompt]
            object["answer"] = answer
            object["verdict"] = verdict?.rawValue
            object["answer_a"] = answerA
            object["answer_b"] = answerB
            object["preferred"] = preferred
            object["rationale"] = rationale
            let item: NewGoldItem
            do { item = try FeedbackStore.goldItem(fromJSON: object) } catch { throw ValidationError(error.localizedDescription) }
            let store = try database.open()
            let added = try store.addGoldItems([item], by: try Identity.lead(store, for: "adding gold items"))
            print("Added gold item \(added[0].id!) (\(added[0].kind.rawValue), expected \(added[0].expected)).")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import gold items from a JSONL file (all or none).",
            discussion: """
                One item per line: {"prompt": "…", "answer": "…", "verdict": "correct"|"incorrect", "rationale": "…"} or \
                {"prompt": "…", "answer_a": "…", "answer_b": "…", "preferred": "a"|"b"|"tie"|"both_bad"}. A bad line \
                is reported as FILE:LINE and nothing is imported. Texts are scrubbed of identifiers unless --no-scrub.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The JSONL file.")
        var file: String
        @Flag(help: "The file is already de-identified: store its text as it is.")
        var noScrub = false

        func run() throws {
            let store = try database.open()
            let actor = try Identity.lead(store, for: "importing gold items")
            let added = try store.importGoldItems(from: URL(fileURLWithPath: file), by: actor, scrubber: noScrub ? nil : .standard)
            print("\(file): \(added.count) gold item\(added.count == 1 ? "" : "s") added (ids \(added.first!.id!)–\(added.last!.id!)).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the gold items (a lead's view: it shows the expected verdicts).")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openExisting()
            _ = try Identity.lead(store, for: "listing gold items")
            let settings = try store.goldSettings()
            print("gold share \(settings.share), flagged below \(settings.minAccuracy) (upper 95% bound of gold accuracy)")
            for item in try store.goldItems() {
                let prompt = try store.prompt(id: item.promptID)?.text ?? "?"
                let shown = TerminalText.neutralised(String(prompt.prefix(50)), multiline: false)
                print("\(item.id!)\t\(item.kind.rawValue)\t\(item.expected)\t\(item.retiredAt == nil ? "active" : "retired")\t\(shown)")
            }
        }
    }

    struct Retire: AuditedChange {
        static let configuration = CommandConfiguration(abstract: "Stop queueing a gold item (its ratings still count).")
        @OptionGroup var change: AuditedChangeOptions
        @Argument(help: "The gold item's id (rounds gold list).") var id: Int64

        func make(in store: FeedbackStore, reason: String?) throws -> String {
            try store.retireGoldItem(id, by: try Identity.lead(store, for: "retiring gold items"), reason: reason)
            return "Gold item \(id) retired."
        }
    }

    struct Settings: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or set the share of each queue that is gold and the flagging threshold.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Share of each reviewer's queue that is gold, 0–0.5 (default 0.07).")
        var share: Double?
        @Option(help: "Flag a reviewer whose gold accuracy's upper 95% bound is below this (default 0.8).")
        var minAccuracy: Double?

        func run() throws {
            let store = try database.open()
            if share != nil || minAccuracy != nil {
                try store.setGoldSettings(share: share, minAccuracy: minAccuracy, by: try Identity.lead(store, for: "changing the gold settings"))
            }
            let settings = try store.goldSettings()
            print("gold share \(settings.share); flagged below \(settings.minAccuracy)")
        }
    }
}

extension Verdict: ExpressibleByArgument {}
