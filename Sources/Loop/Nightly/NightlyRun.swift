import FeedbackStore
import Foundation
import Generation
import Support
import Tensor
import Tokenizer
import Training

/// One night of the loop (`rounds nightly`):
///   1. snapshot the training-split feedback since the production policy was trained (exact
///      row ids, recorded in a `training_runs` row with their hash);
///   2. train a reward model on it;
///   3. update the production policy: DPO when there are enough comparisons, else KTO on the
///      judgments (or as configured; PPO against the new reward model by option);
///   4. evaluate the candidate against its parent on held-out data only, and promote it when
///      every gate holds (in clinician mode: put it in review, `ClinicianReview`), else keep it
///      as a candidate with the reason;
///   5. sample the next review queue (new policy vs production pairs and single answers);
///   6. write the statistics report.
/// Killed at any point and started again, it finishes the same run: the open `training_runs`
/// row names the snapshot, each trainer resumes from its checkpoint, a policy that exists is
/// not trained again, the gate decision is in the candidate's manifest before any promotion,
/// and sampling adds only missing answers.
public final class NightlyRun {
    public static let kind = "nightly"

    public enum RunError: LocalizedError, Equatable {
        case noProduction(registry: String)

        public var errorDescription: String? {
            switch self {
            case let .noProduction(registry):
                return "No production policy in \(registry): the nightly run improves the production policy. Promote one first, e.g. `rounds policy promote sft-v1 --reason \"first supervised policy\"`."
            }
        }
    }

    /// The steps of a run, in order; `onStage` is told before each one starts.
    public enum Stage: String, Sendable, CaseIterable {
        case rewardModel = "reward model", policyUpdate = "policy update", evaluation, decision, sampling, report
    }

    /// What happened, for the command's summary.
    public struct Outcome: Sendable {
        public var runID: Int64?
        public var candidate: String?
        public var rewardModel: String?
        public var decision: GateReport?
        public var promoted = false
        /// Clinician mode: the candidate passed the gates and went into review instead.
        public var inReview = false
        /// Clinician mode: the decisions on earlier candidates in review, taken first.
        public var reviewed: [ReviewDecision] = []
        /// Why nothing was trained, when nothing was.
        public var skipped: String?
        public var queued: [QueueSampler.Summary] = []
        public var report: URL?
    }

    let store: FeedbackStore
    let registry: PolicyRegistry
    let config: NightlyConfig
    /// Folder that relative paths in the configuration are resolved against.
    let root: URL
    /// Who the registry records as having promoted.
    let actor: String
    let log: (String) -> Void
    /// Called before each stage; throwing stops the run there (as a crash would, for tests).
    let onStage: (Stage) throws -> Void

    public init(store: FeedbackStore, registry: PolicyRegistry, config: NightlyConfig, root: URL, actor: String = "nightly",
                log: @escaping (String) -> Void, onStage: @escaping (Stage) throws -> Void = { _ in }) {
        self.store = store
        self.registry = registry
        self.config = config
        self.root = root
        self.actor = actor
        self.log = log
        self.onStage = onStage
    }

    /// Clinician-decided promotion (Promotion/ClinicianReview.swift).
    /// The night acts for the system: its decisions are audited as `system:ACTOR`.
    private var review: ClinicianReview {
        ClinicianReview(store: store, registry: registry, settings: config.promotion, system: true, log: log)
    }

    private func stage(_ stage: Stage, _ line: String) throws {
        try onStage(stage)
        log("== \(line)")
    }

    /// A path of the configuration: absolute, or relative to `root`.
    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
    }

    public func run() throws -> Outcome {
        Threads.set(config.threads)
        try FileManager.default.createDirectory(at: registry.root, withIntermediateDirectories: true)
        let lock = try NightlyLock(path: NightlyLock.path(in: registry))
        defer { lock.release() }

        var outcome = Outcome()
        // Earlier candidates in review are decided first, so tonight trains from the policy the clinicians chose.
        if config.promotion.mode == .clinician { outcome.reviewed = try review.decide(by: actor) }
        guard let run = try openRun(&outcome) else {
            // Nothing to train: still queue fresh answers from production and report.
            if let production = try registry.production() {
                outcome.queued = try sampleQueue(policy: production.name, baseline: nil)
            }
            outcome.report = try writeReport()
            return outcome
        }
        // A resumed run keeps the settings it started with (its checkpoints are tied to them).
        let settings = try JSONDecoder().decode(RunSettings.self, from: Data(run.parameters.utf8))
        if settings.config != config {
            log("nightly run \(run.id!) continues with the settings it started with (the configuration changed since)")
            return try NightlyRun(store: store, registry: registry, config: settings.config, root: root, actor: actor, log: log,
                                  onStage: onStage).finish(run, method: settings.method, outcome: outcome)
        }
        return try finish(run, method: settings.method, outcome: outcome)
    }

    /// Stages 2–6 of the open run `run`.
    private func finish(_ run: TrainingRun, method: NightlyConfig.Method, outcome: Outcome) throws -> Outcome {
        var outcome = outcome
        let id = run.id!
        let parent = run.parentPolicy!
        let candidate = "nightly-\(id)", rewardModel = "nightly-\(id)-rm"
        (outcome.runID, outcome.candidate, outcome.rewardModel) = (id, candidate, rewardModel)
        let snapshot = try store.trainingRunFeedback(id)
        let feedback = try NightlyFeedback(store: store, snapshot: snapshot, calibration: config.calibration, seed: config.seed,
                                           signals: config.signals)
        let training = NightlyTraining(registry: registry, config: config, parent: parent, snapshot: snapshot, feedback: feedback, log: log)

        // 2) reward model, 3) policy update: skipped when already saved.
        if !registry.contains(rewardModel) {
            try stage(.rewardModel, "reward model \(rewardModel) from \(parent)")
            try training.trainReward(rewardModel)
        }
        if !registry.contains(candidate) {
            try stage(.policyUpdate, "\(method.rawValue) \(candidate) from \(parent)")
            let prompts = method == .ppo ? try store.prompts(split: .train, limit: 64).map(\.messages) : []
            try training.trainPolicy(candidate, method: method, rewardModel: rewardModel, prompts: prompts)
        }

        // 4) evaluate and decide (once; the decision is stored before any promotion).
        let folder = registry.folder(candidate)
        let decision: GateReport
        if let stored = try GateReport.load(from: folder) {
            decision = stored
        } else {
            try stage(.evaluation, "evaluating \(candidate) against \(parent) on held-out data")
            decision = try OfflineGates(store: store, registry: registry, config: config, root: root, log: log)
                .evaluate(candidate: candidate, against: parent, rewardModel: rewardModel)
            var manifest = try registry.manifest(candidate)
            manifest.metrics.merge(decision.evaluation.metrics) { $1 }
            manifest.metrics["gates_passed"] = decision.passes ? 1 : 0
            manifest.statusReason = decision.passes ? "passed the nightly gates" : "kept as candidate: \(decision.reason)"
            try registry.save(manifest)
            try decision.save(to: folder)
        }
        try stage(.decision, "gates for \(candidate):\n\(decision)")
        outcome.decision = decision
        if decision.passes, config.promotion.mode == .clinician {
            try review.beginReview(candidate, by: actor, reason: "nightly run \(id): \(decision.reason)")
            outcome.inReview = try registry.manifest(candidate).status == .review
        } else if decision.passes {
            if try registry.manifest(candidate).status != .production {
                try registry.promote(candidate, by: actor, reason: "nightly run \(id): \(decision.reason)")
                try store.audit(.promote, actor: AuditEntry.system(actor), subject: candidate, reason: "nightly run \(id): \(decision.reason)",
                                details: ["mode": "offline", "run": "\(id)"])
            }
            outcome.promoted = true
            log("promoted \(candidate) to production (\(decision.reason))")
        } else {
            log("\(candidate) stays a candidate: \(decision.reason)")
        }

        // 5) the morning's queue: the new policy against the parent (production until tonight).
        outcome.queued = try sampleQueue(policy: candidate, baseline: parent)
        try scoreQueue(rewardModel: rewardModel)   // informative order only (NightlyQueueScores.swift)
        // 6) statistics, then the run is done.
        outcome.report = try writeReport()
        let metrics = String(decoding: try JSONEncoder.sorted.encode(try registry.manifest(candidate).metrics), as: UTF8.self)
        try store.finishTrainingRun(id, succeeded: true, outputPolicy: candidate, metrics: metrics)
        return outcome
    }

    /// What the `training_runs` row records about the run's settings.
    struct RunSettings: Codable {
        var method: NightlyConfig.Method
        var config: NightlyConfig
    }

    /// The unfinished nightly run, or a new one over the feedback since production was
    /// trained; nil when there is not enough new feedback.
    private func openRun(_ outcome: inout Outcome) throws -> TrainingRun? {
        if let open = try store.trainingRuns(kind: Self.kind).last(where: { $0.status == .running }) {
            log("resuming nightly run \(open.id!) (started \(ISO8601DateFormatter().string(from: open.startedAt)), parent \(open.parentPolicy ?? "?"))")
            return open
        }
        guard let production = try registry.production() else { throw RunError.noProduction(registry: registry.root.path) }
        let snapshot = try store.feedbackSnapshot(since: production.createdAt, split: .train)
        if let last = try store.trainingRuns(kind: Self.kind).last(where: { $0.parentPolicy == production.name }),
           last.feedbackHash == snapshot.hash {
            outcome.skipped = "no feedback since nightly run \(last.id!) trained on the same rows from \(production.name)"
            log(outcome.skipped!)
            return nil
        }
        let feedback = try NightlyFeedback(store: store, snapshot: snapshot, calibration: config.calibration, seed: config.seed,
                                           signals: config.signals)
        guard let method = chooseMethod(pairs: feedback.pairs.count, judgments: feedback.judgments.count) else {
            outcome.skipped = "not enough new feedback since \(production.name) was trained: \(feedback.pairs.count) comparisons with a preference the reviewers agree on (need \(config.minComparisons) for DPO) and \(feedback.judgments.count) judgments (need \(config.minJudgments) for KTO)"
            log(outcome.skipped!)
            return nil
        }
        let settings = String(decoding: try JSONEncoder.sorted.encode(RunSettings(method: method, config: config)), as: UTF8.self)
        let run = try store.startTrainingRun(kind: Self.kind, parentPolicy: production.name, parameters: settings, feedback: snapshot)
        log("nightly run \(run.id!): \(method.rawValue) from \(production.name) on \(feedback.pairs.count) comparisons and \(feedback.judgments.count) judgments (feedback \(snapshot.hash.prefix(12)))")
        return run
    }

    func chooseMethod(pairs: Int, judgments: Int) -> NightlyConfig.Method? {
        switch config.method {
        case .auto:
            if pairs >= config.minComparisons { return .dpo }
            if judgments >= config.minJudgments { return .kto }
            return nil
        case .dpo: return pairs >= 1 ? .dpo : nil
        case .kto: return judgments >= 2 ? .kto : nil
        case .ppo: return pairs + judgments >= 1 ? .ppo : nil
        }
    }

    /// Answers of `policy` (and one of `baseline` to each of the same prompts) to the first
    /// training-split prompts, queued as single answers and as pairs.
    private func sampleQueue(policy: String, baseline: String?) throws -> [QueueSampler.Summary] {
        let prompts = try store.prompts(split: .train, limit: config.sampling.prompts)
        guard !prompts.isEmpty else { return [] }
        try stage(.sampling, "sampling the next review queue: \(policy)\(baseline.map { " vs \($0)" } ?? "") on \(prompts.count) prompts")
        let sampler = QueueSampler(store: store)
        var summaries: [QueueSampler.Summary] = []
        if let baseline {
            var options = config.samplingOptions(split: .train, answers: 1)
            options.queuePairs = false  // paired with the new policy's answers below
            summaries.append(try sampler.run(policy: baseline, chat: chatModel(baseline), baseline: nil, options: options, prompts: prompts))
        }
        summaries.append(try sampler.run(policy: policy, chat: chatModel(policy), baseline: baseline,
                                         options: config.samplingOptions(split: .train, answers: config.sampling.answersPerPrompt), prompts: prompts))
        for s in summaries { log("sample: \(s)") }
        return summaries
    }

    private func chatModel(_ name: String) throws -> ChatModel {
        try PolicyLoader.chatModel(name, registry: registry, forSampling: true)
    }

    private func writeReport() throws -> URL {
        try onStage(.report)
        let url = resolve(config.report)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let report = try store.statsReport()
        try AtomicFile.write(Data((url.pathExtension == "html" ? report.html : report.table).utf8), to: url)
        log("statistics report: \(url.path)")
        return url
    }
}
