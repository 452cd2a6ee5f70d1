import Foundation
import Llama
import Support

/// Supervised fine-tuning: cross-entropy on assistant tokens (mlx-examples `LoraTrain`,
/// nanoGPT `train.py`). The loop reads as plain steps: micro-batches → mean loss over the
/// step's target tokens → backward → clip → AdamW → schedule; evaluate and checkpoint
/// every N steps; resume continues bit-identically from the last checkpoint.
public enum SFTTrainer {
    public struct Parameters: TrainerParameters, Codable, Equatable, Sendable {
        /// Peak rate 2e-4 for a LoRA adapter, 2e-5 for every weight.
        public static let learningRates = LearningRates(lora: 2e-4, full: 2e-5)
        /// Batch size 4 sequences, 2 epochs, the LoRA rate.
        public var steps = StepParameters(batchSize: 4, epochs: 2, learningRate: Self.learningRates.lora, warmupSteps: 10)
        /// Validation loss every N optimizer steps (0: only before and after).
        public var evalEvery = 50
        public init() {}
    }

    /// One line of the training log.
    public struct Progress: Sendable, CustomStringConvertible {
        public var step: Int
        public var totalSteps: Int
        public var epoch: Int
        public var loss: Double
        public var learningRate: Double
        public var gradNorm: Double
        public var tokensPerSecond: Double
        public var validationLoss: Double?
        public var description: String {
            var s = String(format: "step %d/%d epoch %d loss %.4f lr %.2e grad-norm %.3f %.0f tok/s", step, totalSteps, epoch, loss, learningRate, gradNorm, tokensPerSecond)
            if let v = validationLoss { s += String(format: " val-loss %.4f", v) }
            return s
        }
    }

    public struct Result: Sendable {
        public var steps: Int
        public var trainedTokens: Int
        public var seconds: Double
        public var finalTrainLoss: Double
        public var validationLossBefore: Double?
        public var validationLossAfter: Double?
        /// Micro-batches per epoch.
        public var batchesPerEpoch: Int
    }

    /// Trains `model` (its adapter if one is attached, else every weight) on `train`.
    /// `checkpoint` is the file to save to every `checkpointEvery` steps and, when `resume`
    /// is set, to continue from. `runKey` fingerprints data + options. `progress` may return
    /// false to stop after the current step (a checkpoint is written first).
    public static func train(
        model: LlamaModel, train: SFTDataset, validation: SFTDataset?, parameters p: Parameters,
        checkpoint: URL?, resume: Bool, runKey: String, progress: (Progress) -> Bool
    ) throws -> Result {
        guard !train.examples.isEmpty else { throw TrainingError.emptyDataset(train.report.file) }
        let batcher = LengthBatcher(lengths: train.examples.map(\.ids.count), batchSize: p.batchSize, seed: p.seed)
        let loop = try StepLoop(groups: ParameterGroups(model: model, weightDecay: p.weightDecay),
                                batchesPerEpoch: batcher.batches.count, parameters: p.steps, checkpoint: checkpoint, runKey: runKey)
        let validation = validation.flatMap { $0.examples.isEmpty ? nil : $0 }
        // The loss before training is measured once; a resumed run reads it from the checkpoint.
        let beforeKey = "validationLossBefore"
        if try !loop.resume(resume), let validation {
            loop.extra[beforeKey] = String(try evaluate(model: model, dataset: validation, batchSize: p.batchSize))
        }

        var lastLoss = Double.nan
        try loop.run {
            // 1) the step's micro-batches, and how many target tokens the mean runs over
            let micro = (0..<p.gradientAccumulation).map { batcher.batch(at: loop.cursor + $0).indices }
            let targets = micro.reduce(0) { n, b in n + b.reduce(0) { $0 + train.examples[$1].targetCount } }
            // 2) forward + backward, accumulating gradients
            model.zeroGrad()
            var lossSum = 0.0
            for indices in micro {
                let batch = try TokenBatch(ids: indices.map { train.examples[$0].ids }, targetMask: indices.map { train.examples[$0].targetMask })
                    .sharingCommonPrefixes()
                let out = try model.forward(batch, training: true)
                let scale = Float(-1.0 / Double(targets))
                var dLogprobs: [[Float]] = []
                for (b, row) in out.logprobs.enumerated() {
                    let mask = batch.targetMask[b]
                    for t in row.indices where mask[t] { lossSum -= Double(row[t]) }
                    dLogprobs.append(mask.map { $0 ? scale : 0 })
                }
                try model.backward(dLogprobs: dLogprobs)
                loop.trainedTokens += batch.ids.reduce(0) { $0 + $1.count }
            }
            loop.cursor += p.gradientAccumulation
            // 3) clip, 4) AdamW at the scheduled rate
            let (norm, lr) = try loop.update()
            lastLoss = lossSum / Double(targets)
            // 5) evaluate and checkpoint every N steps
            var validationLoss: Double?
            if let validation, p.evalEvery > 0, loop.step % p.evalEvery == 0, loop.step < loop.totalSteps {
                validationLoss = try evaluate(model: model, dataset: validation, batchSize: p.batchSize)
            }
            try loop.checkpointIfDue()
            return progress(Progress(step: loop.step, totalSteps: loop.totalSteps, epoch: loop.epoch, loss: lastLoss,
                                     learningRate: lr, gradNorm: norm, tokensPerSecond: loop.tokensPerSecond,
                                     validationLoss: validationLoss))
        }
        let after = try validation.map { try evaluate(model: model, dataset: $0, batchSize: p.batchSize) }
        return Result(steps: loop.step, trainedTokens: loop.trainedTokens, seconds: loop.seconds, finalTrainLoss: lastLoss,
                      validationLossBefore: loop.extra[beforeKey].flatMap(Double.init), validationLossAfter: after,
                      batchesPerEpoch: batcher.batches.count)
    }

    /// Mean negative log-likelihood per assistant token over `dataset` (no dropout).
    public static func evaluate(model: LlamaModel, dataset: SFTDataset, batchSize: Int) throws -> Double {
        let losses = try exampleLosses(model: model, dataset: dataset, batchSize: batchSize)
        let count = losses.reduce(0) { $0 + $1.tokens }
        return count > 0 ? losses.reduce(0) { $0 + $1.nll } / Double(count) : .nan
    }

    /// Each example's summed negative log-likelihood over its target tokens and their count,
    /// in dataset order (forward only).
    public static func exampleLosses(model: LlamaModel, dataset: SFTDataset, batchSize: Int) throws -> [(nll: Double, tokens: Int)] {
        var out = [(nll: Double, tokens: Int)](repeating: (0, 0), count: dataset.examples.count)
        let lengths = dataset.examples.map(\.ids.count)
        let batcher = LengthBatcher(lengths: lengths, batchSize: batchSize, seed: 0)
        for indices in LengthBatcher.largestFirst(batcher.batches, length: { lengths[$0] }) {
            let batch = try TokenBatch(ids: indices.map { dataset.examples[$0].ids }, targetMask: indices.map { dataset.examples[$0].targetMask })
                .sharingCommonPrefixes()
            let result = try model.forward(batch, training: false, forBackward: false)
            for (b, row) in result.logprobs.enumerated() {
                for t in row.indices where batch.targetMask[b][t] {
                    out[indices[b]].nll -= Double(row[t])
                    out[indices[b]].tokens += 1
                }
            }
        }
        return out
    }
}

public enum TrainingError: LocalizedError, Equatable {
    case emptyDataset(String)
    case nonFiniteGradient(step: Int)
    /// A category to repeat that no training example of `file` has.
    case unknownCategory(String, file: String, known: [String])

    public var errorDescription: String? {
        switch self {
        case let .unknownCategory(name, file, known):
            "\(file): no training example has the category '\(name)'. ---> HINT: the categories of its lines are \(known.isEmpty ? "none (add a \"category\" field to the lines)" : known.joined(separator: ", "))."
        case let .emptyDataset(file): "\(file): no usable training examples. ---> HINT: check the length limit and that examples have assistant turns."
        case let .nonFiniteGradient(step): "step \(step): the gradient norm is not finite (NaN or overflow); training stopped. ---> HINT: lower the learning rate."
        }
    }
}
