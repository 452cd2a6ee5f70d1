import Foundation
import Llama

/// Reward-model training (TRL `RewardTrainer`; InstructGPT §3.5): each micro-batch takes a
/// batch of comparisons and a batch of correct/incorrect judgments, scores every sequence
/// in one forward, and minimises
///   pairWeight · [−mean log σ(r_c − r_r − m) + c·mean (r_c + r_r)²] + judgmentWeight · BCE(σ(r), y)
/// (`RewardLoss`), backpropagating d loss / d r through the head into the backbone; an
/// optimizer step takes the mean over `gradientAccumulation` micro-batches.
public enum RewardTrainer {
    public struct Parameters: TrainerParameters, Codable, Equatable, Sendable {
        /// TRL RewardConfig's 1e-5 for every weight; a LoRA adapter takes 1e-4.
        public static let learningRates = LearningRates(lora: 1e-4, full: 1e-5)
        /// 8 comparisons (and, separately, 8 judgments) per micro-batch, 1 epoch, the LoRA rate.
        public var steps = StepParameters(batchSize: 8, epochs: 1, learningRate: Self.learningRates.lora, warmupSteps: 5)
        /// The head's rate as a multiple of the backbone's (it starts at random).
        public var headLearningRateMultiplier = 10.0
        /// TRL `center_rewards_coefficient` (0: off).
        public var centerCoefficient = 0.0
        public var pairWeight = 1.0
        public var judgmentWeight = 1.0
        /// Rebalance the judgment classes (positive weight = n_incorrect / n_correct).
        public var balanceJudgments = true
        /// Held-out evaluation every N steps (0: only before and after).
        public var evalEvery = 0
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
        /// Indices of the comparisons and judgments the run trained on.
        public var trainedPairs: [Int]
        public var trainedJudgments: [Int]
        /// Micro-batches per epoch (a pass over the longer of the two lists).
        public var batchesPerEpoch: Int
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
        // An epoch is a pass over the longer of the two lists; the shorter one wraps around.
        let loop = try StepLoop(groups: groups, batchesPerEpoch: max(pairBatcher?.batches.count ?? 0, judgmentBatcher?.batches.count ?? 0),
                                parameters: p.steps, checkpoint: checkpoint, runKey: runKey)
        let nCorrect = train.judgments.filter(\.desirable).count, nWrong = train.judgments.count - nCorrect
        let positiveWeight = p.balanceJudgments && nCorrect > 0 && nWrong > 0 ? Double(nWrong) / Double(nCorrect) : 1

        func evaluate() throws -> RewardEvaluation? {
            guard let heldOut, !heldOut.isEmpty else { return nil }
            return try reward.evaluate(pairs: heldOut.pairs, judgments: heldOut.judgments, batchSize: p.batchSize)
        }
        let before = try loop.resume(resume) ? nil : try evaluate()

        var lastLoss = Double.nan
        try loop.run {
            // 1) + 2) per micro-batch: its comparisons and judgments, forward, losses, backward
            // (each micro-batch's loss weighted 1 / accumulation: the step's loss is their mean)
            reward.zeroGrad()
            var losses = MicroBatchLosses()
            let weight = 1 / Double(p.gradientAccumulation)
            for k in 0..<p.gradientAccumulation {
                let micro = try accumulate(
                    reward: reward, train: train, pairs: pairBatcher?.batch(at: loop.cursor + k).indices ?? [],
                    judgments: judgmentBatcher?.batch(at: loop.cursor + k).indices ?? [],
                    parameters: p, positiveWeight: positiveWeight, weight: weight)
                losses.add(micro, weight: weight)
                loop.trainedTokens += micro.tokens
            }
            loop.cursor += p.gradientAccumulation
            // 3) clip, 4) AdamW
            let (norm, lr) = try loop.update()
            lastLoss = losses.loss
            // 5) evaluate and checkpoint every N steps
            var heldOutNow: RewardEvaluation?
            if p.evalEvery > 0, loop.step % p.evalEvery == 0, loop.step < loop.totalSteps { heldOutNow = try evaluate() }
            try loop.checkpointIfDue()
            return progress(Progress(
                step: loop.step, totalSteps: loop.totalSteps, loss: losses.loss, pairLoss: losses.pairLoss, judgmentLoss: losses.judgmentLoss,
                accuracy: losses.accuracy, learningRate: lr, gradNorm: norm, tokensPerSecond: loop.tokensPerSecond, heldOut: heldOutNow))
        }
        return Result(steps: loop.step, trainedTokens: loop.trainedTokens, seconds: loop.seconds,
                      finalLoss: lastLoss, heldOutBefore: before, heldOutAfter: try evaluate(),
                      trainedPairs: pairBatcher?.visited(upTo: loop.cursor) ?? [], trainedJudgments: judgmentBatcher?.visited(upTo: loop.cursor) ?? [],
                      batchesPerEpoch: loop.batchesPerEpoch)
    }

    /// One micro-batch's losses (unweighted means over its comparisons / judgments).
    struct MicroBatchLosses {
        var loss = 0.0
        var pairLoss: Double?, judgmentLoss: Double?, accuracy: Double?
        var tokens = 0

        /// Adds `weight` × another micro-batch's losses (the parts it has).
        mutating func add(_ other: MicroBatchLosses, weight: Double) {
            loss += weight * other.loss
            if let l = other.pairLoss { pairLoss = (pairLoss ?? 0) + weight * l }
            if let l = other.judgmentLoss { judgmentLoss = (judgmentLoss ?? 0) + weight * l }
            if let a = other.accuracy { accuracy = (accuracy ?? 0) + weight * a }
        }
    }

    /// Scores a micro-batch's comparisons (chosen rows, then rejected rows) and judgments in one
    /// forward, and ADDS the backward of `weight` × pairWeight · BT + judgmentWeight · BCE.
    static func accumulate(reward: RewardModel, train: Data, pairs pairIndices: [Int], judgments judgmentIndices: [Int],
                           parameters p: Parameters, positiveWeight: Double, weight: Double) throws -> MicroBatchLosses {
        var sequences: [CompletionSequence] = []
        for i in pairIndices { sequences.append(.init(prompt: train.pairs[i].prompt, completion: train.pairs[i].chosen)) }
        for i in pairIndices { sequences.append(.init(prompt: train.pairs[i].prompt, completion: train.pairs[i].rejected)) }
        for i in judgmentIndices { sequences.append(.init(prompt: train.judgments[i].prompt, completion: train.judgments[i].completion)) }
        let scored = try reward.forward(sequences, training: true)
        var dRewards = [Double](repeating: 0, count: sequences.count)
        var out = MicroBatchLosses(tokens: sequences.reduce(0) { $0 + $1.count })
        let k = pairIndices.count
        if k > 0 {
            let bt = try RewardLoss.bradleyTerry(
                chosen: Array(scored.rewards[0..<k]), rejected: Array(scored.rewards[k..<(2 * k)]),
                margins: train.margins.map { m in pairIndices.map { m[$0] } }, centerCoefficient: p.centerCoefficient)
            for i in 0..<k {
                dRewards[i] = weight * p.pairWeight * bt.gradChosen[i]
                dRewards[k + i] = weight * p.pairWeight * bt.gradRejected[i]
            }
            out.loss += p.pairWeight * bt.loss
            out.pairLoss = bt.loss
            out.accuracy = bt.accuracy
        }
        if !judgmentIndices.isEmpty {
            let pw = try RewardLoss.pointwise(rewards: Array(scored.rewards[(2 * k)...]),
                                              correct: judgmentIndices.map { train.judgments[$0].desirable },
                                              positiveWeight: positiveWeight, weights: judgmentIndices.map { train.judgments[$0].weight })
            for (j, g) in pw.gradRewards.enumerated() { dRewards[2 * k + j] = weight * p.judgmentWeight * g }
            out.loss += p.judgmentWeight * pw.loss
            out.judgmentLoss = pw.loss
        }
        try reward.backward(scored, dRewards: dRewards)
        return out
    }
}
