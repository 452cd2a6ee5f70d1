import Foundation
import Tokenizer

/// A reward model (the starting policy's backbone and a scalar head): encodes comparisons and
/// judgments, trains (`RewardTrainer`), measures held-out accuracy before and after, and writes
/// the model with these parameters and metrics in its manifest. `rounds reward train` and the
/// nightly run both run it.
public enum RewardJob {
    public static let method = RewardModel.method

    public struct Parameters: Codable, Equatable, Sendable {
        public var trainer = RewardTrainer.Parameters()
        public var settings = JobSettings()
        public var maxLength = 1024
        public var maxPromptLength = 512
        /// Fraction of the comparisons and of the judgments held out for evaluation when no
        /// held-out set is given (every k-th row).
        public var heldOutFraction = 0.05

        public init(full: Bool = false) {
            settings.weights.full = full
            trainer.learningRate = RewardTrainer.Parameters.learningRates.rate(full: full)
        }
    }

    public struct Metrics: Codable, Equatable, Sendable {
        public var run: RunFigures
        public var pairs: RowCounts
        public var judgments: RowCounts
        public var heldOutPairs: Int
        public var heldOutJudgments: Int
        public var lossFinal: Double
        public var heldOutBefore: RewardEvaluation?
        public var heldOutAfter: RewardEvaluation?
    }

    public typealias Pairs = JobRows<PreferencePair<[ChatMessage]>>
    public typealias Judgments = JobRows<LabelledCompletion<[ChatMessage]>>

    /// Trains reward model `context.out` on `pairs` and `judgments`; evaluates on the given
    /// held-out rows, or else on `heldOutFraction` of each.
    @discardableResult
    public static func run(_ context: JobContext, pairs: Pairs, judgments: Judgments, heldOut: (pairs: Pairs, judgments: Judgments)?,
                           parameters: Parameters) throws -> PolicyManifest {
        let (trainPairs, heldPairs) = heldOut.map { (pairs, $0.pairs) } ?? split(pairs, parameters.heldOutFraction)
        let (trainJudgments, heldJudgments) = heldOut.map { (judgments, $0.judgments) } ?? split(judgments, parameters.heldOutFraction)
        var p = parameters
        let run = try context.open(&p.settings)
        var encoder = run.encoder(maxLength: p.maxLength, maxPromptLength: p.maxPromptLength)
        let encodedPairs = try run.encode(pairs: trainPairs, encoder: &encoder, log: context.log)
        let encodedJudgments = try run.encode(judgments: trainJudgments, encoder: &encoder)
        let train = RewardTrainer.Data(pairs: encodedPairs.examples, judgments: encodedJudgments.examples)
        let held = RewardTrainer.Data(pairs: try encoder.encode(pairs: heldPairs.examples, sources: heldPairs.sources),
                                      judgments: try encoder.encode(examples: heldJudgments.examples, sources: heldJudgments.sources))
        context.log(run.encodingSummary(encoder, count: train.pairs.count + train.judgments.count, what: "comparisons and judgments for the reward model"))
        let head = ScalarHead(width: run.model.config.hiddenSize, seed: p.trainer.seed ^ 0x4EAD)
        let reward = try RewardModel(model: run.model, head: head)
        var key = p
        key.settings = p.settings.resumable
        let budget = TimeBudget(seconds: p.settings.maxSeconds)
        let reporter = StepReporter("reward model \(context.out)", budget: budget, log: context.log)
        let r = try RewardTrainer.train(reward: reward, train: train, heldOut: held, parameters: p.trainer, checkpoint: run.checkpoint,
                                        resume: context.resume, runKey: try context.runKey(run, method: method, key: key)) { progress in
            reporter.step(progress.step, of: progress.totalSteps,
                          detail: String(format: "loss %.4f %.0f tok/s", progress.loss, progress.tokensPerSecond), line: progress.description)
        }
        let metrics = Metrics(
            run: RunFigures(steps: r.steps, seconds: r.seconds, trainedTokens: r.trainedTokens, microBatches: r.batchesPerEpoch,
                            perStep: p.trainer.gradientAccumulation, budget: budget),
            pairs: RowCounts(given: trainPairs.examples.count, encoded: encodedPairs, trained: r.trainedPairs),
            judgments: RowCounts(given: trainJudgments.examples.count, encoded: encodedJudgments, trained: r.trainedJudgments),
            heldOutPairs: held.pairs.count, heldOutJudgments: held.judgments.count, lossFinal: r.finalLoss,
            heldOutBefore: r.heldOutBefore, heldOutAfter: r.heldOutAfter)
        let data = context.trainingData(trainPairs.ids(at: encodedPairs.rows(at: r.trainedPairs))
                                        + trainJudgments.ids(at: encodedJudgments.rows(at: r.trainedJudgments)))
        let manifest = try context.save(run, method: method, job: JobRecord(reward: .init(parameters: p, metrics: metrics)), data: data,
                                        full: p.settings.weights.full, head: head)
        context.log("reward model \(context.out): \(r.steps) steps, held-out \(r.heldOutBefore?.description ?? "n/a") → \(r.heldOutAfter?.description ?? "n/a (no held-out ratings)"); saved \(run.folder.path)")
        return manifest
    }

    /// Deterministic split: every k-th row held out (k from `fraction`; none below 4 rows).
    static func split<E>(_ rows: JobRows<E>, _ fraction: Double) -> (JobRows<E>, JobRows<E>) {
        guard fraction > 0, rows.examples.count >= 4 else { return (rows, JobRows(examples: [], sources: [], ids: rows.ids.map { _ in [] })) }
        let every = max(2, Int((1 / fraction).rounded()))
        let held = Set(rows.examples.indices.filter { $0 % every == every - 1 })
        func pick(_ keep: Bool) -> JobRows<E> {
            let indices = rows.examples.indices.filter { held.contains($0) != keep }
            return JobRows(examples: indices.map { rows.examples[$0] }, sources: indices.map { rows.sources[$0] },
                           ids: rows.ids.map { ids in indices.map { ids[$0] } })
        }
        return (pick(true), pick(false))
    }
}
