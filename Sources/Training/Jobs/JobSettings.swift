import Foundation
import Tensor

/// Peak learning rates of one trainer by what it trains: a LoRA adapter (whose update is
/// scaled by alpha / r) takes a larger rate than every weight.
public struct LearningRates: Sendable, Equatable {
    public let lora: Double
    public let full: Double
    public init(lora: Double, full: Double) {
        self.lora = lora
        self.full = full
    }
    public func rate(full isFull: Bool) -> Double { isFull ? full : lora }
}

/// What every policy-training job's parameters hold besides the trainer's own: which weights
/// are trained, the time budget and the thread count.
public struct JobSettings: Codable, Equatable, Sendable {
    public var weights = PolicyRun.Weights()
    /// Time budget in seconds (0: none): the trainer stops after the step in progress and the
    /// metrics say so (`stoppedByTimeBudget`, `epochsRun`).
    public var maxSeconds = 0.0
    /// Threads for matrix work and kernels (the same seed and threads give bit-identical weights).
    public var threads = 2
    /// Chat template override (nil: detected from the model).
    public var chatTemplate: String?
    public init() {}

    /// The same settings as far as a checkpoint is concerned: a resumed run may change its
    /// budget and thread count.
    var resumable: JobSettings {
        var s = self
        s.maxSeconds = 0
        s.threads = 0
        return s
    }
}

/// Where a job runs and what it writes: the registry, the starting policy, the new policy's
/// name, whether to resume its checkpoint, what its data are (files with their hashes, or a
/// feedback snapshot's hash; the rows trained on are added), and where its lines go.
public struct JobContext {
    public var registry: PolicyRegistry
    public var policy: String
    public var out: String
    public var resume: Bool
    public var data: PolicyManifest.TrainingData
    public var log: (String) -> Void
    /// Adds what the caller knows to the manifest before it is written (e.g. the nightly run's
    /// snapshot figures).
    public var annotate: (inout PolicyManifest) -> Void = { _ in }

    public init(registry: PolicyRegistry, policy: String, out: String, resume: Bool,
                data: PolicyManifest.TrainingData, log: @escaping (String) -> Void) {
        self.registry = registry
        self.policy = policy
        self.out = out
        self.resume = resume
        self.data = data
        self.log = log
    }

    /// Applies the thread count and opens the run (loads the policy, prepares the folder). A
    /// LoRA parent's adapter is trained on, whatever shape was asked for: `settings` then
    /// records that adapter's configuration, the one that runs.
    func open(_ settings: inout JobSettings) throws -> PolicyRun {
        Threads.set(settings.threads)
        let run = try PolicyRun(registry: registry, policy: policy, out: out, resume: resume, chatTemplate: settings.chatTemplate,
                                weights: settings.weights)
        if !settings.weights.full, let adapter = run.model.adapter { settings.weights.lora = adapter.configuration }
        return run
    }

    /// The checkpoint fingerprint: data, method, parameters (`key`), starting weights, template.
    func runKey(_ run: PolicyRun, method: String, key: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(key), as: UTF8.self)
        return run.runKey(files: data.files, options: "\(method)|\(data.feedbackHash ?? "")|\(json)")
    }

    /// The manifest's data: the context's, with the feedback rows trained on when rows have ids.
    func trainingData(_ rows: [FeedbackRow]) -> PolicyManifest.TrainingData {
        var d = data
        (d.judgmentIds, d.comparisonIds) = FeedbackRow.split(rows)
        return d
    }

    /// Writes the new policy with its typed record (and the caller's annotations).
    func save(_ run: PolicyRun, method: String, job: JobRecord, data: PolicyManifest.TrainingData, full: Bool,
              head: ScalarHead? = nil) throws -> PolicyManifest {
        var manifest = run.manifest(method: method, data: data, full: full, job: job)
        annotate(&manifest)
        try run.save(manifest, head: head)
        return manifest
    }
}

/// Training examples as chat messages, with where each came from (`file:line`, or a feedback
/// row) and, for feedback, each one's row id: the manifest lists the ids of the rows trained on.
public struct JobRows<Example> {
    public var examples: [Example]
    public var sources: [String]
    public var ids: [FeedbackRow]?
    public init(examples: [Example], sources: [String], ids: [FeedbackRow]? = nil) {
        self.examples = examples
        self.sources = sources
        self.ids = ids
    }
    public static var empty: JobRows { JobRows(examples: [], sources: []) }

    /// The ids of the rows at `indices` (empty when the rows have none).
    func ids(at indices: [Int]) -> [FeedbackRow] { ids.map { all in indices.map { all[$0] } } ?? [] }
}

/// The feedback row an example came from: a judgment (its verdict, or a correction of its
/// answer, which trains as a pair) or a comparison.
public enum FeedbackRow: Hashable, Sendable, CustomStringConvertible {
    case judgment(Int64), comparison(Int64)

    public var isComparison: Bool { if case .comparison = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .judgment(let id): return "judgment \(id)"
        case .comparison(let id): return "comparison \(id)"
        }
    }

    /// Judgment and comparison ids, each sorted and once.
    public static func split(_ rows: [FeedbackRow]) -> (judgments: [Int64], comparisons: [Int64]) {
        var judgments = Set<Int64>(), comparisons = Set<Int64>()
        for row in rows {
            switch row {
            case .judgment(let id): judgments.insert(id)
            case .comparison(let id): comparisons.insert(id)
            }
        }
        return (judgments.sorted(), comparisons.sorted())
    }
}

/// A trainer's optional time budget: after each step, whether another may start.
public final class TimeBudget {
    public let seconds: Double
    private let started = Date()
    /// Set when the budget stopped the trainer.
    public private(set) var ranOut = false

    /// `seconds` = 0: no budget.
    public init(seconds: Double) { self.seconds = seconds }

    public func allowsAnotherStep() -> Bool {
        guard seconds > 0, Date().timeIntervalSince(started) >= seconds else { return true }
        ranOut = true
        return false
    }
}
