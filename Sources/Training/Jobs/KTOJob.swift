import Foundation
import Tokenizer

/// A KTO policy from answers judged correct / incorrect: encodes them, trains (`KTOTrainer`)
/// and writes the policy with these parameters and metrics in its manifest. `rounds kto` and
/// the nightly run both run it.
public enum KTOJob {
    public static let method = "kto"

    public struct Parameters: Codable, Equatable, Sendable {
        public var trainer = KTOTrainer.Parameters()
        public var settings = JobSettings()
        public var maxLength = 1024
        public var maxPromptLength = 512

        public init(full: Bool = false) {
            settings.weights.full = full
            trainer.learningRate = KTOTrainer.Parameters.learningRates.rate(full: full)
        }
    }

    public struct Metrics: Codable, Equatable, Sendable {
        public var run: RunFigures
        public var judgments: RowCounts
        /// Correct answers among the judgments given.
        public var desirable: Int
        public var lossFinal: Double
        /// λ_D and λ_U as used (balanced to the class counts unless given).
        public var desirableWeight: Double
        public var undesirableWeight: Double
        public var referenceSeconds: Double
    }

    /// Trains a new policy `context.out` from `context.policy` on `judgments`.
    @discardableResult
    public static func run(_ context: JobContext, judgments: JobRows<LabelledCompletion<[ChatMessage]>>, parameters: Parameters) throws
        -> PolicyManifest {
        var p = parameters
        let run = try context.open(&p.settings)
        var encoder = run.encoder(maxLength: p.maxLength, maxPromptLength: p.maxPromptLength)
        let encoded = try run.encode(judgments: judgments, encoder: &encoder)
        let desirable = encoded.examples.filter(\.desirable).count, undesirable = encoded.examples.count - desirable
        context.log(run.encodingSummary(encoder, count: encoded.examples.count, what: "judged answers (\(desirable) correct, \(undesirable) incorrect)"))
        let ratio = p.trainer.objective(desirable: desirable, undesirable: undesirable)
            .classWeightRatio(desirableCount: desirable, undesirableCount: undesirable)
        if desirable > 0, undesirable > 0, !(1...(4.0 / 3)).contains(ratio) {
            context.log(String(format: "note: λ_D·n_D / (λ_U·n_U) = %.2f is outside [1, 4/3], the range the KTO paper recommends (arXiv 2402.01306 §4.1).", ratio))
        }
        var key = p
        key.settings = p.settings.resumable
        let budget = TimeBudget(seconds: p.settings.maxSeconds)
        let reporter = StepReporter("kto \(context.out)", budget: budget, log: context.log)
        let r = try KTOTrainer.train(
            model: run.model, examples: encoded.examples, parameters: p.trainer, checkpoint: run.checkpoint, resume: context.resume,
            runKey: try context.runKey(run, method: method, key: key), referenceProgress: run.referenceReporter()
        ) { progress in
            reporter.step(progress.step, of: progress.totalSteps,
                          detail: String(format: "loss %.4f kl %.3f %.0f tok/s", progress.loss, progress.kl, progress.tokensPerSecond),
                          line: progress.description)
        }
        let metrics = Metrics(
            run: RunFigures(steps: r.steps, seconds: r.seconds, trainedTokens: r.trainedTokens, microBatches: r.batchesPerEpoch,
                            perStep: p.trainer.gradientAccumulation, budget: budget),
            judgments: RowCounts(given: judgments.examples.count, encoded: encoded, trained: r.trainedExamples), desirable: desirable,
            lossFinal: r.finalLoss, desirableWeight: r.objective.desirableWeight, undesirableWeight: r.objective.undesirableWeight,
            referenceSeconds: r.referenceSeconds)
        let manifest = try context.save(
            run, method: method, job: JobRecord(kto: .init(parameters: p, metrics: metrics)),
            data: context.trainingData(judgments.ids(at: encoded.rows(at: r.trainedExamples))), full: p.settings.weights.full)
        context.log(String(format: "kto %@: %d steps, loss %.4f (%.0f tokens/s; reference pass %.1f s%@); saved %@", context.out, r.steps,
                           r.finalLoss, metrics.run.tokensPerSecond, r.referenceSeconds, r.referenceFromCache ? ", from cache" : "",
                           run.folder.path))
        return manifest
    }
}
