import Foundation
import Tokenizer

/// A DPO policy: encodes the comparisons with the starting policy's chat template, trains
/// (`DPOTrainer`) and writes the policy with these parameters and metrics in its manifest.
/// `rounds dpo` and the nightly run both run it.
public enum DPOJob {
    public static let method = "dpo"

    public struct Parameters: Codable, Equatable, Sendable {
        public var trainer = DPOTrainer.Parameters()
        public var settings = JobSettings()
        /// Longest prompt + completion in tokens (longer completions are cut).
        public var maxLength = 1024
        /// Longest prompt in tokens (an over-long prompt keeps its end).
        public var maxPromptLength = 512

        /// The defaults, at the learning rate for a LoRA adapter or (`full`) every weight.
        public init(full: Bool = false) {
            settings.weights.full = full
            trainer.learningRate = DPOTrainer.Parameters.learningRates.rate(full: full)
        }
    }

    public struct Metrics: Codable, Equatable, Sendable {
        public var run: RunFigures
        public var pairs: RowCounts
        public var lossFinal: Double
        /// TRL's DPO figures of the last step.
        public var final: DPO.Metrics?
        /// The one-time reference pass (0 when read from the cache of an interrupted run).
        public var referenceSeconds: Double
    }

    /// Trains a new policy `context.out` from `context.policy` on `pairs`.
    @discardableResult
    public static func run(_ context: JobContext, pairs: JobRows<PreferencePair<[ChatMessage]>>, parameters: Parameters) throws
        -> PolicyManifest {
        var p = parameters
        let run = try context.open(&p.settings)
        var encoder = run.encoder(maxLength: p.maxLength, maxPromptLength: p.maxPromptLength)
        let encoded = try run.encode(pairs: pairs, encoder: &encoder, log: context.log)
        context.log(run.encodingSummary(encoder, count: encoded.examples.count, what: "preference pairs"))
        var key = p
        key.settings = p.settings.resumable
        let budget = TimeBudget(seconds: p.settings.maxSeconds)
        let reporter = StepReporter("dpo \(context.out)", budget: budget, log: context.log)
        let r = try DPOTrainer.train(
            model: run.model, pairs: encoded.examples, parameters: p.trainer, checkpoint: run.checkpoint, resume: context.resume,
            runKey: try context.runKey(run, method: method, key: key), referenceProgress: run.referenceReporter()
        ) { progress in
            reporter.step(progress.step, of: progress.totalSteps,
                          detail: String(format: "loss %.4f margin %.3f acc %.2f %.0f tok/s", progress.loss, progress.metrics.rewardsMargins,
                                         progress.metrics.rewardsAccuracies, progress.tokensPerSecond),
                          line: progress.description)
        }
        let metrics = Metrics(
            run: RunFigures(steps: r.steps, seconds: r.seconds, trainedTokens: r.trainedTokens, microBatches: r.batchesPerEpoch,
                            perStep: p.trainer.gradientAccumulation, budget: budget),
            pairs: RowCounts(given: pairs.examples.count, encoded: encoded, trained: r.trainedPairs),
            lossFinal: r.finalLoss, final: r.finalMetrics, referenceSeconds: r.referenceSeconds)
        let manifest = try context.save(
            run, method: method, job: JobRecord(dpo: .init(parameters: p, metrics: metrics)),
            data: context.trainingData(pairs.ids(at: encoded.rows(at: r.trainedPairs))), full: p.settings.weights.full)
        context.log(String(format: "dpo %@: %d steps, loss %.4f, margin %.3f, accuracy %.2f (%.0f tokens/s; reference pass %.1f s%@); saved %@",
                           context.out, r.steps, r.finalLoss, r.finalMetrics?.rewardsMargins ?? .nan, r.finalMetrics?.rewardsAccuracies ?? .nan,
                           metrics.run.tokensPerSecond, r.referenceSeconds, r.referenceFromCache ? ", from cache" : "", run.folder.path))
        return manifest
    }
}
