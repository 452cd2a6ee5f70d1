import Foundation
import Llama
import Support

/// Direct Preference Optimization (Rafailov et al. 2023, arXiv 2305.18290) as TRL's
/// DPOTrainer runs it, on CPU without a second model in memory:
///   0. reference log-probs of every chosen and rejected completion, ONCE, from the starting
///      weights (the parent policy, with its adapter if it has one), kept beside the checkpoint;
///   1. per micro-batch of B pairs, ONE forward over 2B rows (chosen rows, then rejected rows),
///      each pair's prompt computed once for both answers (`TokenBatch.sharingPrompts`; TRL
///      runs it twice, with the same result up to rounding);
///   2. `DPO.loss` → d loss / d (sequence log-prob) → the same value on every completion token
///      → `backward`;
///   3. clip, AdamW at the scheduled rate; checkpoint every N steps; resume is bit-identical.
public enum DPOTrainer {
    public struct Parameters: TrainerParameters, Codable, Equatable, Sendable {
        /// The loss and β (and ε for `.conservative`).
        public var objective = DPO.Parameters()
        /// TRL's DPO default 1e-6 for every weight; 5e-5 for a LoRA adapter (whose update is
        /// scaled by alpha / r).
        public static let learningRates = LearningRates(lora: 5e-5, full: 1e-6)
        /// 4 pairs per micro-batch (2× as many sequences per forward), 1 epoch, the LoRA rate.
        public var steps = StepParameters(batchSize: 4, epochs: 1, learningRate: Self.learningRates.lora, warmupSteps: 10)
        public init() {}
    }

    /// One line of the training log: TRL's DPO metrics for the step's pairs.
    public struct Progress: Sendable, CustomStringConvertible {
        public var step: Int
        public var totalSteps: Int
        public var epoch: Int
        public var loss: Double
        public var metrics: DPO.Metrics
        public var learningRate: Double
        public var gradNorm: Double
        public var tokensPerSecond: Double
        public var description: String {
            let m = metrics
            return String(format: "step %d/%d epoch %d loss %.4f rewards/chosen %.4f rewards/rejected %.4f rewards/margins %.4f rewards/accuracies %.2f logps/chosen %.2f logps/rejected %.2f kl %.4f lr %.2e grad-norm %.3f %.0f tok/s",
                          step, totalSteps, epoch, loss, m.rewardsChosen, m.rewardsRejected, m.rewardsMargins,
                          m.rewardsAccuracies, m.logpsChosen, m.logpsRejected, m.klEstimate, learningRate, gradNorm, tokensPerSecond)
        }
    }

    public struct Result: Sendable {
        public var steps: Int
        public var trainedTokens: Int
        /// Training time, without the reference pass.
        public var seconds: Double
        /// The one-time reference pass (0 when it was read from the cache).
        public var referenceSeconds: Double
        public var referenceFromCache: Bool
        /// The last step's loss and metrics.
        public var finalLoss: Double
        public var finalMetrics: DPO.Metrics?
        /// Indices of the pairs the run trained on (all of them after a whole epoch).
        public var trainedPairs: [Int]
        /// Micro-batches per epoch (epochs run = steps × accumulation / this).
        public var batchesPerEpoch: Int
    }

    /// Trains `model` (its adapter if one is attached, else every weight) on token-level pairs
    /// (`PreferenceEncoder` makes them from chat messages). `checkpoint` is the file to save to
    /// every `checkpointEvery` steps and, with `resume`, to continue from; the reference cache
    /// lives in the same folder. `runKey` fingerprints data + options + starting weights.
    /// `progress` may return false to stop after the current step (a checkpoint is written first).
    public static func train(
        model: LlamaModel, pairs: [PreferencePair<[Int32]>], parameters p: Parameters,
        checkpoint: URL?, resume: Bool, runKey: String,
        referenceProgress: (_ done: Int, _ total: Int) -> Void = { _, _ in },
        progress: (Progress) -> Bool
    ) throws -> Result {
        guard !pairs.isEmpty else { throw TrainingError.emptyDataset("preference pairs") }
        try p.objective.validate()
        // 0) reference log-probs: sequence 2i is pair i's chosen completion, 2i + 1 its rejected one.
        let sequences = pairs.flatMap { [CompletionSequence(prompt: $0.prompt, completion: $0.chosen),
                                         CompletionSequence(prompt: $0.prompt, completion: $0.rejected)] }
        let reference = try ReferenceCache.obtain(beside: checkpoint, resume: resume, runKey: runKey, model: model,
                                                  sequences: sequences, batchSize: 2 * p.batchSize, progress: referenceProgress)

        let batcher = LengthBatcher(lengths: pairs.map { $0.prompt.count + max($0.chosen.count, $0.rejected.count) },
                                    batchSize: p.batchSize, seed: p.seed)
        let loop = try StepLoop(groups: ParameterGroups(model: model, weightDecay: p.weightDecay),
                                batchesPerEpoch: batcher.batches.count, parameters: p.steps, checkpoint: checkpoint, runKey: runKey)
        try loop.resume(resume)

        var lastLoss = Double.nan
        var lastMetrics: DPO.Metrics?
        try loop.run {
            // 1) the step's micro-batches of pairs
            let micro = (0..<p.gradientAccumulation).map { batcher.batch(at: loop.cursor + $0).indices }
            let stepPairs = micro.reduce(0) { $0 + $1.count }
            // 2) forward + backward per micro-batch, each weighted by its share of the step's pairs
            model.zeroGrad()
            var parts: [(DPO.Result<Double>, Int)] = []
            for indices in micro {
                let result = try accumulate(
                    model: model, pairs: indices.map { pairs[$0] },
                    reference: indices.map { (reference.values[2 * $0], reference.values[2 * $0 + 1]) },
                    objective: p.objective, weight: Double(indices.count) / Double(stepPairs))
                parts.append((result, indices.count))
                loop.trainedTokens += indices.reduce(0) { $0 + 2 * pairs[$1].prompt.count + pairs[$1].chosen.count + pairs[$1].rejected.count }
            }
            loop.cursor += p.gradientAccumulation
            // 3) clip, 4) AdamW at the scheduled rate
            let (norm, lr) = try loop.update()
            lastLoss = parts.reduce(0) { $0 + $1.0.loss * Double($1.1) } / Double(stepPairs)
            let metrics = DPO.Metrics.weightedMean(parts.map { ($0.0.metrics, $0.1) })
            lastMetrics = metrics
            // 5) checkpoint every N steps
            try loop.checkpointIfDue()
            return progress(Progress(step: loop.step, totalSteps: loop.totalSteps, epoch: loop.epoch, loss: lastLoss,
                                     metrics: metrics, learningRate: lr, gradNorm: norm, tokensPerSecond: loop.tokensPerSecond))
        }
        return Result(steps: loop.step, trainedTokens: loop.trainedTokens, seconds: loop.seconds,
                      referenceSeconds: reference.seconds, referenceFromCache: reference.cached,
                      finalLoss: lastLoss, finalMetrics: lastMetrics, trainedPairs: batcher.visited(upTo: loop.cursor),
                      batchesPerEpoch: batcher.batches.count)
    }

    /// One micro-batch: forward of the B chosen and B rejected sequences in one batch (2B rows,
    /// each prompt computed once),
    /// the DPO loss against the given reference sums, and the backward of `weight` × that loss,
    /// ADDED to the model's gradients. Returns the unweighted loss, its gradient w.r.t. the
    /// policy sums and the metrics.
    public static func accumulate(model: LlamaModel, pairs: [PreferencePair<[Int32]>],
                                  reference: [(chosen: Double, rejected: Double)],
                                  objective: DPO.Parameters, weight: Double = 1) throws -> DPO.Result<Double> {
        let b = pairs.count
        let batch = try CompletionScoring.batch(
            pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.chosen) }
                + pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.rejected) })
        let policy = CompletionScoring.sums(try model.forward(batch, training: true))
        let result = try DPO.loss(DPO.Batch(
            policyChosen: Array(policy[..<b]), policyRejected: Array(policy[b...]),
            referenceChosen: reference.map(\.chosen), referenceRejected: reference.map(\.rejected),
            chosenLengths: pairs.map(\.chosen.count), rejectedLengths: pairs.map(\.rejected.count)), parameters: objective)
        let perSequence = (result.gradPolicyChosen + result.gradPolicyRejected).map { $0 * weight }
        try model.backward(dLogprobs: CompletionScoring.dLogprobs(batch, perSequence: perSequence))
        return result
    }
}

extension DPO.Metrics {
    /// Mean of several micro-batches' metrics weighted by their pair counts.
    static func weightedMean(_ parts: [(DPO.Metrics, Int)]) -> DPO.Metrics {
        let total = Double(parts.reduce(0) { $0 + $1.1 })
        func mean(_ f: (DPO.Metrics) -> Double) -> Double { parts.reduce(0) { $0 + f($1.0) * Double($1.1) } / total }
        return DPO.Metrics(rewardsChosen: mean(\.rewardsChosen), rewardsRejected: mean(\.rewardsRejected),
                           rewardsMargins: mean(\.rewardsMargins), rewardsAccuracies: mean(\.rewardsAccuracies),
                           logpsChosen: mean(\.logpsChosen), logpsRejected: mean(\.logpsRejected), klEstimate: mean(\.klEstimate))
    }
}
