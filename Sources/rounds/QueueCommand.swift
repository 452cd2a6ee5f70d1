import ArgumentParser
import FeedbackStore

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Put answers in the review queue, to judge one by one or to compare in pairs.",
        subcommands: [Judgments.self, Pairs.self, Status.self, Order.self, Score.self])

    struct Judgments: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue answers not yet queued, to be judged correct or incorrect.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only answers of this policy version.") var policy: String?
        @Option(help: "Only answers to prompts of this split (train, heldout).") var split: Split?
        @OptionGroup var overlap: OverlapOptions
        @Option(help: "Queue at most this many answers.") var limit: Int?

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let added = try database.openExisting().enqueueJudgments(policy: policy, split: split, overlap: overlap.overlap, limit: limit)
            print("Queued \(added) answers for judgment, \(overlap.overlap) reviewers each.")
        }
    }

    struct Pairs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue pairs of answers to one prompt: the new policy version against the baseline.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("new"), help: "The new policy version.") var newPolicy: String
        @Option(help: "The version to compare against (usually production). Default: any other version.") var baseline: String?
        @OptionGroup var overlap: OverlapOptions
        @Option(help: "Queue at most this many pairs.") var limit: Int?

        func validate() throws {
            if let baseline, baseline == newPolicy { throw ValidationError("--baseline must differ from --new, e.g. --new v3 --baseline v2") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let added = try database.openExisting().enqueuePairs(newPolicy: newPolicy, baselinePolicy: baseline, overlap: overlap.overlap, limit: limit)
            print("Queued \(added) pairs for comparison, \(overlap.overlap) reviewers each.")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show how much of the queue still needs reviewers.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let counts = try database.openExisting().queueCounts()
            print("\(counts.items) items queued, \(counts.open) still need reviewers.")
        }
    }
}
