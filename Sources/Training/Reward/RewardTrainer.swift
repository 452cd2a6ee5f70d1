import Foundation
import Llama

/// Reward-model training (TRL `RewardTrainer`; InstructGPT §3.5): each optimizer step takes a
/// batch of comparisons and a batch of correct/incorrect judgments, scores every sequence
/// in one forward, and minimises
///   pairWeight · [−mean log σ(r_c − r_r − m) + c·mean (r_c + r_r)²] + judgmentWeight · BCE(σ(r), y)
/// (`RewardLoss`), backpropagating d loss / d r through the head into the backbone.
public enum RewardTrainer {
    public struct Parameters: Codable, Equatable, Sendable {
        /// Comparisons (and, separately, judgments) per optimizer step.
        public var batchSize = 8
        public var epochs = 1
        public var maxSteps: Int?
        /// TRL RewardConfig defaults to 1e-5 for every weight; a LoRA adapter takes a larger rate.
        public var learningRate = 1e-4
        /// The head's rate as a multiple of the backbone's (it starts at random).
        public var headLearningRateMultiplier = 10.0
        public var minLearningRateRatio = 0.1
        public var warmupSteps = 5
        public var weightDecay = 0.0
        public var maxGradNorm = 1.0
        /// TRL `center_rewards_coefficient` (0: off).
        public var centerCoefficient = 0.0
        public var pairWeight = 1.0
        public var judgmentWeight = 1.0
        /// Rebalance the judgment classes (positive weight = n_incorrect / n_correct).
        public var balanceJudgments = true
        public var checkpointEvery = 50
        public var evalEvery = 0
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Training data as plain values. `margins[i]` (optional) goes with `pairs[i]`.
    public struct Data: Sendable {
        public var pairs: [PreferencePair<[Int32]>]
        public var margins: [Double]?
        public var judgments: [LabelledCompletion<[Int32]>]
        public init(pairs: [PreferencePair<[Int32]>] = [], margins: [Double]? = nil, judgments: [LabelledCompletion<[Int32]>] = []) {
            self.pairs = pairs
            self.margins = margins
            self.judgments = judgments
        }
        public var isEmpty: Bool { pairs.isEmpty && judgments.isEmpty }
    }

    public struct Progress: Sendable, CustomStringConvertible {
        public var step: Int, totalSteps: Int
        public var loss: Double, pairLoss: Double?, judgmentLoss: Double?
        public var accuracy: Double?
        public var learningRate: Double, gradNorm: Double, tokensPerSecond: Double
        public var heldOut: RewardEvaluation?
        public var description: String {
            var s = String(format: "step %d/%d loss %.4f", step, totalSteps, loss)
            if let l = pairLoss { s += String(format: " pair-loss %.4f", l) }
            if let l = judgmentLoss { s += String(format: " judgment-loss %.4f", l) }
            if let a = accuracy { s += String(format: " batch-accuracy %.2f", a) }
            s += String(format: " lr %.2e grad-norm %.3f %.0f tok/s", learningRate, gradNorm, tokensPerSecond)
            if let h = heldOut { s += " held-out: \(h)" }
            return s
        }
    }

    public struct Result: Sendable {
        public var steps: Int
        public var trainedTokens: Int
        public var seconds: Double
        public var finalLoss: Double
        public var heldOutBefore: RewardEvaluation?
        public var heldOutAfter: RewardEvaluation?
    }

    /// Trains `reward` (its model's adapter or every weight, and its head) on `train`;
    /// evaluates on `heldOut` before and after. Checkpoint/resume as `SFTTrainer.train`.
    public static func train(
        reward: RewardModel, train: Data, heldOut: Data?, parameters p: Parameters,
        checkpoint: URL?, resume: Bool, runKey: String, progress: (Progress) -> Bool
    ) throws -> Result {
        guard !train.isEmpty else { throw RewardModelError.noData }
        if let m = train.margins, m.count != train.pairs.count {
            throw ObjectiveError.countMismatch(field: "margins", expected: train.pairs.count, actual: m.count)
        }
        let groups = try ParameterGroups(model: reward.model, weightDecay: p.weightDecay)
        try groups.add(head: reward.head, name: "reward head", learningRateMultiplier: p.headLearningRateMultiplier, weightDecay: 0)
        let pairBatcher = train.pairs.isEmpty ? nil : LengthBatcher(
            lengths: train.pairs.map { $0.prompt.count + max($0.chosen.count, $0.rejected.count) }, batchSize: p.batchSize, seed: p.seed)
        let judgmentBatcher = train.judgments.isEmpty ? nil : LengthBatcher(
            lengths: train.judgments.map { $0.prompt.count + $0.completion.count }, batchSize: p.batchSize, seed: p.seed ^ 0x9E37)
        let stepsPerEpoch = max(pairBatcher?.batches.count ?? 0, judgmentBatcher?.batches.count ?? 0)
        let totalSteps = min(p.maxSteps ?? .max, p.epochs * stepsPerEpoch)
        let schedule = try LearningRateSchedule(
            maxLR: p.learningRate, minLR: p.learningRate * p.minLearningRateRatio,
            warmupSteps: min(p.warmupSteps, max(totalSteps - 1, 0)), decaySteps: max(totalSteps, 1))
        let nCorrect = train.judgments.filter(\.desirable).count, nWrong = train.judgments.count - nCorrect
        let positiveWeight = p.balanceJudgments && nCorrect > 0 && nWrong > 0 ? Double(nWrong) / Double(nCorrect) : 1

        func evaluate() throws -> RewardEvaluation? {
            guard let heldOut, !heldOut.isEmpty else { return nil }
            return try reward.evaluate(pairs: heldOut.pairs, judgments: heldOut.judgments, batchSize: p.batchSize)
        }
        var step = 0
        let before: RewardEvaluation?
        if resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint.path) {
            step = try groups.restore(from: checkpoint, runKey: runKey).step
            before = nil
        } else {
            before = try evaluate()
        }
        func save() throws {
            guard let checkpoint else { return }
            try groups.save(step: step, cursor: step, runKey: runKey, extra: [:], to: checkpoint)
        }

        let started = Date()
        var trainedTokens = 0, lastLoss = Double.nan
        while step < totalSteps {
            // 1) this step's comparisons and judgments, as one list of sequences
            let pairIndices = pairBatcher?.batch(at: step).indices ?? []
            let judgmentIndices = judgmentBatcher?.batch(at: step).indices ?? []
            var sequences: [CompletionSequence] = []
            for i in pairIndices { sequences.append(.init(prompt: train.pairs[i].prompt, completion: train.pairs[i].chosen)) }
            for i in pairIndices { sequences.append(.init(prompt: train.pairs[i].prompt, completion: train.pairs[i].rejected)) }
            for i in judgmentIndices { sequences.append(.init(prompt: train.judgments[i].prompt, completion: train.judgments[i].completion)) }
            // 2) forward, losses, backward
            reward.zeroGrad()
            let scored = try reward.forward(sequences, training: true)
            var dRewards = [Double](repeating: 0, count: sequences.count)
            var loss = 0.0, pairLoss: Double?, judgmentLoss: Double?, accuracy: Double?
            let k = pairIndices.count
            if k > 0 {
                let bt = try RewardLoss.bradleyTerry(
                    chosen: Array(scored.rewards[0..<k]), rejected: Array(scored.rewards[k..<(2 * k)]),
                    margins: train.margins.map { m in pairIndices.map { m[$0] } }, centerCoefficient: p.centerCoefficient)
                for i in 0..<k {
                    dRewards[i] = p.pairWeight * bt.gradChosen[i]
                    dRewards[k + i] = p.pairWeight * bt.gradRejected[i]
                }
                loss += p.pairWeight * bt.loss
                pairLoss = bt.loss
                accuracy = bt.accuracy
            }
            if !judgmentIndices.isEmpty {
                let pw = try RewardLoss.pointwise(rewards: Array(scored.rewards[(2 * k)...]),
                                                  correct: judgmentIndices.map { train.judgments[$0].desirable },
                                                  positiveWeight: positiveWeight)
                for (j, g) in pw.gradRewards.enumerated() { dRewards[2 * k + j] = p.judgmentWeight * g }
                loss += p.judgmentWeight * pw.loss
                judgmentLoss = pw.loss
            }
            try reward.backward(scored, dRewards: dRewards)
            trainedTokens += sequences.reduce(0) { $0 + $1.count }
            // 3) clip, AdamW
            let norm = groups.clip(maxNorm: p.maxGradNorm)
            guard norm.isFinite else { throw TrainingError.nonFiniteGradient(step: step + 1) }
            let lr = schedule(step)
            groups.update(lr: lr)
            step += 1
            lastLoss = loss
            var heldOutNow: RewardEvaluation?
            if p.evalEvery > 0, step % p.evalEvery == 0, step < totalSteps { heldOutNow = try evaluate() }
            if p.checkpointEvery > 0, step % p.checkpointEvery == 0 { try save() }
            let keepGoing = progress(Progress(
                step: step, totalSteps: totalSteps, loss: loss, pairLoss: pairLoss, judgmentLoss: judgmentLoss, accuracy: accuracy,
                learningRate: lr, gradNorm: norm, tokensPerSecond: Double(trainedTokens) / max(Date().timeIntervalSince(started), 1e-9),
                heldOut: heldOutNow))
            if !keepGoing {
                try save()
                break
            }
        }
        return Result(steps: step, trainedTokens: trainedTokens, seconds: Date().timeIntervalSince(started),
                      finalLoss: lastLoss, heldOutBefore: before, heldOutAfter: try evaluate())
    }
}
