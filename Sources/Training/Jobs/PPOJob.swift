import Foundation
import Tokenizer

/// A PPO policy against a reward model: samples answers to the prompts, scores them with the
/// reward model, updates the policy (`PPOTrainer`) and writes it with these parameters and
/// metrics in its manifest. `rounds ppo` and the nightly run both run it.
public enum PPOJob {
    public static let method = "ppo"

    public struct Parameters: Codable, Equatable, Sendable {
        public var trainer = PPOTrainer.Parameters()
        public var settings = JobSettings()
        /// The reward model that scores the answers (a policy of method `reward`).
        public var rewardModel: String

        public init(rewardModel: String, full: Bool = false) {
            self.rewardModel = rewardModel
            settings.weights.full = full
            trainer.learningRate = PPOTrainer.Parameters.learningRates.rate(full: full)
        }
    }

    public struct Metrics: Codable, Equatable, Sendable {
        public var iterations: Int
        public var seconds: Double
        public var stoppedByTimeBudget: Bool
        public var prompts: Int
        /// Mean reward-model score and KL to the starting policy of the last iteration's answers.
        public var scoreFinal: Double?
        public var klFinal: Double?
    }

    /// Trains a new policy `context.out` from `context.policy` on `prompts`.
    @discardableResult
    public static func run(_ context: JobContext, prompts: JobRows<[ChatMessage]>, parameters: Parameters) throws -> PolicyManifest {
        var p = parameters
        let run = try context.open(&p.settings)
        let (reward, _) = try RewardModel.load(p.rewardModel, registry: context.registry)
        let encoder = run.encoder(maxLength: 4096, maxPromptLength: 4096)
        let promptIDs = try prompts.examples.map { try encoder.promptIDs($0) }
        var key = p
        key.settings = p.settings.resumable
        let budget = TimeBudget(seconds: p.settings.maxSeconds)
        let reporter = StepReporter("ppo \(context.out)", unit: "iterations", budget: budget, log: context.log)
        let r = try PPOTrainer.train(
            policy: run.model, valueHead: ScalarHead(width: run.model.config.hiddenSize, seed: p.trainer.seed ^ 0x7A1),
            prompts: promptIDs, endTokens: Set(run.loaded.tokenizer.endOfTurnTokenIds.map(Int32.init)),
            score: { try reward.score($0, batchSize: p.trainer.minibatchSize) }, parameters: p.trainer, checkpoint: run.checkpoint,
            resume: context.resume, runKey: try context.runKey(run, method: method, key: key)
        ) { progress in
            reporter.step(progress.iteration, of: progress.totalIterations,
                          detail: String(format: "score %.3f kl %.3f", progress.meanScore, progress.meanKL), line: progress.description, force: true)
        }
        let metrics = Metrics(iterations: r.iterations, seconds: r.seconds, stoppedByTimeBudget: budget.ranOut, prompts: promptIDs.count,
                              scoreFinal: r.history.last?.meanScore, klFinal: r.history.last?.meanKL)
        let manifest = try context.save(run, method: method, job: JobRecord(ppo: .init(parameters: p, metrics: metrics)),
                                        data: context.data, full: p.settings.weights.full)
        context.log("ppo \(context.out): \(r.iterations) iterations in \(Int(r.seconds)) s; saved \(run.folder.path)")
        return manifest
    }
}
