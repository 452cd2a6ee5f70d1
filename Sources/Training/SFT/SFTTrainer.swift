import Foundation
import Llama
import Support

/// Supervised fine-tuning: cross-entropy on assistant tokens (mlx-examples `LoraTrain`,
/// nanoGPT `train.py`). The loop reads as plain steps: micro-batches → mean loss over the
/// step's target tokens → backward → clip → AdamW → schedule; evaluate and checkpoint
/// every N steps; resume continues bit-identically from the last checkpoint.
public enum SFTTrainer {
    public struct Parameters: Codable, Equatable, Sendable {
        /// Sequences per micro-batch (grouped by length).
        public var batchSize = 4
        /// Micro-batches per optimizer step.
        public var gradientAccumulation = 1
        public var epochs = 2
        /// Stop after this many optimizer steps even if epochs remain (nil: run all epochs).
        public var maxSteps: Int?
        public var learningRate = 2e-4
        /// Floor of the cosine decay, as a fraction of the peak rate.
        public var minLearningRateRatio = 0.1
        public var warmupSteps = 10
        public var weightDecay = 0.0
        public var maxGradNorm = 1.0
        /// Validation loss every N optimizer steps (0: only before and after).
        public var evalEvery = 50
        /// A checkpoint every N optimizer steps (0: none).
        public var checkpointEvery = 50
        public var seed: UInt64 = 0
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
        let trainable = TrainableParameters(model: model)
        let optimizer = try AdamW(count: trainable.count, parameters: .init(weightDecay: p.weightDecay))
        optimizer.noDecay = trainable.noDecay
        let batcher = LengthBatcher(lengths: train.examples.map(\.ids.count), batchSize: p.batchSize, seed: p.seed)
        let stepsPerEpoch = (batcher.batches.count + p.gradientAccumulation - 1) / p.gradientAccumulation
        let totalSteps = min(p.maxSteps ?? .max, p.epochs * stepsPerEpoch)
        let schedule = try LearningRateSchedule(
            maxLR: p.learningRate, minLR: p.learningRate * p.minLearningRateRatio,
            warmupSteps: min(p.warmupSteps, max(totalSteps - 1, 0)), decaySteps: max(totalSteps, 1))

        var step = 0, cursor = 0
        var validationBefore: Double?
        if resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint.path) {
            let header = try Checkpoint.read(from: checkpoint, expectedCount: trainable.count, runKey: runKey,
                                             params: trainable.params, m: optimizer.m, v: optimizer.v)
            step = header.step
            cursor = header.cursor
            optimizer.step = header.step
            validationBefore = header.extra["validationLossBefore"].flatMap(Double.init)
        } else if let validation, !validation.examples.isEmpty {
            validationBefore = try evaluate(model: model, dataset: validation, batchSize: p.batchSize)
        }

        let started = Date()
        var trainedTokens = 0, lastLoss = Double.nan
        func save() throws {
            guard let checkpoint else { return }
            var extra: [String: String] = [:]
            if let validationBefore { extra["validationLossBefore"] = String(validationBefore) }
            try Checkpoint.write(.init(step: step, cursor: cursor, kind: trainable.kind, count: trainable.count, runKey: runKey, extra: extra),
                                 params: trainable.params, m: optimizer.m, v: optimizer.v, to: checkpoint)
        }

        while step < totalSteps {
            // 1) the step's micro-batches, and how many target tokens the mean runs over
            let micro = (0..<p.gradientAccumulation).map { batcher.batch(at: cursor + $0) }
            let targets = micro.reduce(0) { n, b in n + b.indices.reduce(0) { $0 + train.examples[$1].targetCount } }
            // 2) forward + backward, accumulating gradients
            model.zeroGrad()
            var lossSum = 0.0
            for (_, indices) in micro {
                let batch = try TokenBatch(ids: indices.map { train.examples[$0].ids }, targetMask: indices.map { train.examples[$0].targetMask })
                let out = try model.forward(batch, training: true)
                let scale = Float(-1.0 / Double(targets))
                var dLogprobs: [[Float]] = []
                for (b, row) in out.logprobs.enumerated() {
                    let mask = batch.targetMask[b]
                    for t in row.indices where mask[t] { lossSum -= Double(row[t]) }
                    dLogprobs.append(mask.map { $0 ? scale : 0 })
                }
                try model.backward(dLogprobs: dLogprobs)
                trainedTokens += batch.ids.reduce(0) { $0 + $1.count }
            }
            cursor += p.gradientAccumulation
            // 3) clip, 4) AdamW at the scheduled rate
            let (norm, _) = GradientClipping.clip([trainable.gradientBuffer], maxNorm: p.maxGradNorm)
            guard norm.isFinite else { throw TrainingError.nonFiniteGradient(step: step + 1) }
            let lr = schedule(step)
            optimizer.update(params: trainable.params, grads: trainable.grads, lr: lr)
            step += 1
            lastLoss = lossSum / Double(targets)
            // 5) evaluate and checkpoint every N steps
            var validationLoss: Double?
            if let validation, !validation.examples.isEmpty, p.evalEvery > 0, step % p.evalEvery == 0, step < totalSteps {
                validationLoss = try evaluate(model: model, dataset: validation, batchSize: p.batchSize)
            }
            if p.checkpointEvery > 0, step % p.checkpointEvery == 0 { try save() }
            let elapsed = Date().timeIntervalSince(started)
            let keepGoing = progress(Progress(step: step, totalSteps: totalSteps, epoch: cursor / batcher.batches.count,
                                              loss: lastLoss, learningRate: lr, gradNorm: norm,
                                              tokensPerSecond: Double(trainedTokens) / max(elapsed, 1e-9), validationLoss: validationLoss))
            if !keepGoing {
                try save()
                break
            }
        }
        let after = try validation.flatMap { v in v.examples.isEmpty ? nil : try evaluate(model: model, dataset: v, batchSize: p.batchSize) }
        return Result(steps: step, trainedTokens: trainedTokens, seconds: Date().timeIntervalSince(started),
                      finalTrainLoss: lastLoss, validationLossBefore: validationBefore, validationLossAfter: after)
    }

    /// Mean negative log-likelihood per assistant token over `dataset` (no dropout).
    public static func evaluate(model: LlamaModel, dataset: SFTDataset, batchSize: Int) throws -> Double {
        var total = 0.0, count = 0
        let batcher = LengthBatcher(lengths: dataset.examples.map(\.ids.count), batchSize: batchSize, seed: 0)
        for indices in batcher.batches {
            let batch = try TokenBatch(ids: indices.map { dataset.examples[$0].ids }, targetMask: indices.map { dataset.examples[$0].targetMask })
            let out = try model.forward(batch, training: false)
            for (b, row) in out.logprobs.enumerated() {
                for t in row.indices where batch.targetMask[b][t] {
                    total -= Double(row[t])
                    count += 1
                }
            }
        }
        return count > 0 ? total / Double(count) : .nan
    }
}

public enum TrainingError: LocalizedError, Equatable {
    case emptyDataset(String)
    case nonFiniteGradient(step: Int)

    public var errorDescription: String? {
        switch self {
        case let .emptyDataset(file): "\(file): no usable training examples. ---> HINT: check the length limit (--max-length) and that examples have assistant turns."
        case let .nonFiniteGradient(step): "step \(step): the gradient norm is not finite (NaN or overflow); training stopped. ---> HINT: lower --learning-rate."
        }
    }
}
