import Foundation
import Llama
import Support

/// Kahneman-Tversky Optimization (Ethayarajh et al. 2024, arXiv 2402.01306) as TRL's
/// KTOTrainer runs it: learns from completions labelled correct / incorrect, no pairs needed.
///   0. the batches are fixed (length-sorted, only their order is shuffled per epoch), so each
///      batch's KL sequences — prompt i with the completion of example (i−1) mod n (TRL
///      `_get_kl_dataset`) — are fixed too; reference log-probs of every example AND every KL
///      sequence are computed once from the starting weights and cached beside the checkpoint;
///   1. per micro-batch: the KL sequences' policy log-probs by a forward WITHOUT backward (z is
///      detached), then one forward over the n examples, `KTO.loss`, backward;
///   2. λ_D, λ_U balanced to the class counts of the whole set unless given.
public enum KTOTrainer {
    public struct Parameters: TrainerParameters, Codable, Equatable, Sendable {
        public var beta = 0.1
        /// λ_D and λ_U; nil: balanced so λ_D·n_D = λ_U·n_U (`KTO.Parameters.balanced`).
        public var desirableWeight: Double?
        public var undesirableWeight: Double?
        /// As DPO's: 1e-6 for every weight, 5e-5 for a LoRA adapter.
        public static let learningRates = DPOTrainer.Parameters.learningRates
        /// 8 examples per micro-batch (≥ 2: the KL pairs mismatch prompts within a batch), 1 epoch,
        /// the LoRA rate.
        public var steps = StepParameters(batchSize: 8, epochs: 1, learningRate: Self.learningRates.lora, warmupSteps: 10)
        public init() {}

        /// The objective's parameters for a set with these class counts.
        public func objective(desirable: Int, undesirable: Int) -> KTO.Parameters {
            var o = KTO.Parameters.balanced(beta: beta, desirableCount: desirable, undesirableCount: undesirable)
            if let desirableWeight { o.desirableWeight = desirableWeight }
            if let undesirableWeight { o.undesirableWeight = undesirableWeight }
            return o
        }
    }

    public struct Progress: Sendable, CustomStringConvertible {
        public var step: Int
        public var totalSteps: Int
        public var epoch: Int
        public var loss: Double
        /// Means over the step's examples of each class (nil when the step had none).
        public var rewardsChosen: Double?, rewardsRejected: Double?
        public var logpsChosen: Double?, logpsRejected: Double?
        /// The reference point z = max(0, KL estimate) of the step (mean over micro-batches).
        public var kl: Double
        public var learningRate: Double
        public var gradNorm: Double
        public var tokensPerSecond: Double
        public var description: String {
            func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "n/a" }
            return String(format: "step %d/%d epoch %d loss %.4f ", step, totalSteps, epoch, loss)
                + "rewards/chosen \(f(rewardsChosen, "%.4f")) rewards/rejected \(f(rewardsRejected, "%.4f")) "
                + "logps/chosen \(f(logpsChosen, "%.2f")) logps/rejected \(f(logpsRejected, "%.2f")) "
                + String(format: "kl %.4f lr %.2e grad-norm %.3f %.0f tok/s", kl, learningRate, gradNorm, tokensPerSecond)
        }
    }

    public struct Result: Sendable {
        public var steps: Int
        public var trainedTokens: Int
        public var seconds: Double
        public var referenceSeconds: Double
        public var referenceFromCache: Bool
        public var finalLoss: Double
        /// The weights used (after balancing).
        public var objective: KTO.Parameters
        /// Indices of the examples the run trained on (all of them after a whole epoch).
        public var trainedExamples: [Int]
        /// Micro-batches per epoch.
        public var batchesPerEpoch: Int
    }

    /// Trains `model` on labelled completions (ids; `PreferenceEncoder` makes them). Same
    /// checkpoint / resume / progress contract as `DPOTrainer.train`.
    public static func train(
        model: LlamaModel, examples: [LabelledCompletion<[Int32]>], parameters p: Parameters,
        checkpoint: URL?, resume: Bool, runKey: String,
        referenceProgress: (_ done: Int, _ total: Int) -> Void = { _, _ in },
        progress: (Progress) -> Bool
    ) throws -> Result {
        guard !examples.isEmpty else { throw TrainingError.emptyDataset("labelled completions") }
        let desirable = examples.filter(\.desirable).count
        let objective = p.objective(desirable: desirable, undesirable: examples.count - desirable)
        try objective.validate()
        let batcher = LengthBatcher(lengths: examples.map { $0.prompt.count + $0.completion.count }, batchSize: p.batchSize, seed: p.seed)
        // 0) reference log-probs: the n examples, then each batch's KL sequences (batch order).
        let kl = batcher.batches.map { klSequences(of: $0.map { examples[$0] }) }
        let klOffsets = kl.reduce(into: [examples.count]) { $0.append($0.last! + $1.count) }
        let sequences = examples.map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) } + kl.flatMap { $0 }
        let reference = try ReferenceCache.obtain(beside: checkpoint, resume: resume, runKey: runKey, model: model,
                                                  sequences: sequences, batchSize: p.batchSize, progress: referenceProgress)

        let loop = try StepLoop(groups: ParameterGroups(model: model, weightDecay: p.weightDecay),
                                batchesPerEpoch: batcher.batches.count, parameters: p.steps, checkpoint: checkpoint, runKey: runKey)
        try loop.resume(resume)

        var lastLoss = Double.nan
        try loop.run {
            // 1) the step's micro-batches: batch index → its examples and KL sequences
            let micro = (0..<p.gradientAccumulation).map { k -> Int in
                let position = loop.cursor + k
                return batcher.order(epoch: position / batcher.batches.count)[position % batcher.batches.count]
            }
            let stepCount = micro.reduce(0) { $0 + batcher.batches[$1].count }
            // 2) KL forward (no backward), policy forward + backward, weighted by share of examples
            model.zeroGrad()
            var parts: [(KTO.Result<Double>, [Bool])] = []
            for b in micro {
                let indices = batcher.batches[b]
                let result = try accumulate(
                    model: model, examples: indices.map { examples[$0] }, reference: indices.map { reference.values[$0] },
                    klSequences: kl[b], klReference: Array(reference.values[klOffsets[b]..<klOffsets[b + 1]]),
                    objective: objective, weight: Double(indices.count) / Double(stepCount))
                parts.append((result, indices.map { examples[$0].desirable }))
                loop.trainedTokens += indices.reduce(0) { $0 + examples[$1].prompt.count + examples[$1].completion.count }
                    + kl[b].reduce(0) { $0 + $1.count }
            }
            loop.cursor += p.gradientAccumulation
            // 3) clip, 4) AdamW
            let (norm, lr) = try loop.update()
            lastLoss = parts.reduce(0) { $0 + $1.0.loss * Double($1.1.count) } / Double(stepCount)
            // 5) checkpoint every N steps
            try loop.checkpointIfDue()
            var line = Progress(step: loop.step, totalSteps: loop.totalSteps, epoch: loop.epoch, loss: lastLoss,
                                kl: parts.reduce(0) { $0 + $1.0.z } / Double(parts.count), learningRate: lr, gradNorm: norm,
                                tokensPerSecond: loop.tokensPerSecond)
            // Class means over the whole step, from each micro-batch's class means and counts.
            func classMean(_ want: Bool, _ f: (KTO.Result<Double>) -> Double?) -> Double? {
                var sum = 0.0, count = 0
                for (r, labels) in parts {
                    let n = labels.filter { $0 == want }.count
                    if n > 0, let v = f(r) { sum += v * Double(n); count += n }
                }
                return count > 0 ? sum / Double(count) : nil
            }
            line.rewardsChosen = classMean(true, \.rewardsChosen)
            line.rewardsRejected = classMean(false, \.rewardsRejected)
            line.logpsChosen = classMean(true, \.logpsChosen)
            line.logpsRejected = classMean(false, \.logpsRejected)
            return progress(line)
        }
        return Result(steps: loop.step, trainedTokens: loop.trainedTokens, seconds: loop.seconds,
                      referenceSeconds: reference.seconds, referenceFromCache: reference.cached, finalLoss: lastLoss,
                      objective: objective, trainedExamples: batcher.visited(upTo: loop.cursor), batchesPerEpoch: batcher.batches.count)
    }

    /// The KL sequences of one batch: `KTO.klPairs` (completion list rotated by one).
    static func klSequences(of batch: [LabelledCompletion<[Int32]>]) -> [CompletionSequence] {
        KTO.klPairs(batch).map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) }
    }

    /// One micro-batch: the KL sequences' policy log-probs (forward only: z gets no gradient),
    /// then the examples' forward, `KTO.loss`, and the backward of `weight` × the loss ADDED to
    /// the model's gradients.
    public static func accumulate(model: LlamaModel, examples: [LabelledCompletion<[Int32]>], reference: [Double],
                                  klSequences: [CompletionSequence], klReference: [Double],
                                  objective: KTO.Parameters, weight: Double = 1) throws -> KTO.Result<Double> {
        let policyKL = klSequences.isEmpty ? [] : CompletionScoring.sums(try model.forward(CompletionScoring.batch(klSequences), training: false, forBackward: false))
        let batch = try CompletionScoring.batch(examples.map { CompletionSequence(prompt: $0.prompt, completion: $0.completion) })
        let policy = CompletionScoring.sums(try model.forward(batch, training: true))
        let result = try KTO.loss(KTO.Batch(policy: policy, reference: reference, desirable: examples.map(\.desirable),
                                            policyKL: policyKL, referenceKL: klReference, weights: examples.map(\.weight)),
                                 parameters: objective)
        try model.backward(dLogprobs: CompletionScoring.dLogprobs(batch, perSequence: result.gradPolicy.map { $0 * weight }))
        return result
    }
}
