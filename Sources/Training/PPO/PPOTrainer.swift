import Foundation
import Generation
import Llama
import Tensor

/// PPO for RLHF (InstructGPT §3.5, arXiv 2203.02155; TRL `PPOTrainer`). One iteration:
///   1. sample responses to a batch of prompts from the current policy (KV-cache decoder on
///      a merged copy of the weights, `PolicySnapshot`);
///   2. score them (reward model on the final token, `score`; rescaled to unit scale on the
///      reference policy's responses, `ScoreNormalization`), old log-probs and values
///      (policy + value head), reference log-probs (the starting policy);
///   3. `PPO.prepare`: per-token KL penalty, score, GAE, whitened advantages;
///   4. several epochs of shuffled minibatches: `PPO.loss` → d/d log-probs and d/d values →
///      value head backward → d hidden → model backward; clip; AdamW (policy + value head).
/// Legend: B responses per iteration, T longest response, R minibatch rows, C hidden width.
public enum PPOTrainer {
    public struct Parameters: Codable, Equatable, Sendable {
        public var ppo: PPO.Parameters = {
            var p = PPO.Parameters()
            // The score goes on the last real token and padding is masked: our rollouts
            // carry no value estimate past a response's end (TRL's placement needs one).
            p.scorePlacement = .lastToken
            p.missingEOS = .subtract(1)
            return p
        }()
        /// Rescale scores to mean 0, std 1 on the first rollout (the reference policy's
        /// responses), fixed for the run, so `ppo.klCoef` is in units of that spread whatever
        /// scale the reward model learned (`ScoreNormalization`).
        public var normalizeScores = true
        public var iterations = 20
        /// Prompts per iteration (B = prompts × samplesPerPrompt).
        public var promptsPerIteration = 16
        public var samplesPerPrompt = 1
        public var ppoEpochs = 4
        public var minibatchSize = 8
        /// Peak rate: 1e-5 for a LoRA adapter, 1e-6 for every weight.
        public static let learningRates = LearningRates(lora: 1e-5, full: 1e-6)
        public var learningRate = Self.learningRates.lora
        public var valueHeadLearningRateMultiplier = 10.0
        public var maxGradNorm = 1.0
        public var temperature: Float = 1
        public var maxNewTokens = 64
        public var checkpointEvery = 5
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Progress: Sendable, CustomStringConvertible {
        public var iteration: Int, totalIterations: Int
        /// The mean score as `score` returned it (before normalisation).
        public var meanScore: Double, meanKL: Double, entropy: Double
        public var pgClipfrac: Double, vfClipfrac: Double, valueLoss: Double, policyLoss: Double, approxKL: Double
        public var endedFraction: Double, meanLength: Double
        public var secondsPerIteration: Double
        public var description: String {
            String(format: "iteration %d/%d score %.3f kl %.4f entropy %.3f clipfrac %.3f vf-clipfrac %.3f value-loss %.4f pg-loss %.4f approx-kl %.4f ended %.2f length %.1f %.2fs/it",
                   iteration, totalIterations, meanScore, meanKL, entropy, pgClipfrac, vfClipfrac, valueLoss, policyLoss, approxKL,
                   endedFraction, meanLength, secondsPerIteration)
        }
    }

    public struct Result: Sendable {
        public var iterations: Int
        public var seconds: Double
        public var history: [Progress]
        /// The score scale used (nil when `normalizeScores` is off).
        public var normalization: ScoreNormalization?
    }

    /// Scores (prompt, response) pairs; a response includes its end token when it ended.
    public typealias Score = ([CompletionSequence]) throws -> [Double]

    /// Trains `policy` (adapter or every weight, as set) and `valueHead` by PPO against `score`.
    public static func train(
        policy: LlamaModel, valueHead: ScalarHead, prompts: [[Int32]], endTokens: Set<Int32>, score: Score,
        parameters p: Parameters, checkpoint: URL?, resume: Bool, runKey: String, progress: (Progress) -> Bool
    ) throws -> Result {
        guard !prompts.isEmpty else { throw PPOTrainerError.noPrompts }
        try p.ppo.validate()
        // The model as given is the reference (before any checkpoint is restored).
        let snapshot = PolicySnapshot(policy: policy)
        let groups = try ParameterGroups(model: policy, weightDecay: 0)
        try groups.add(head: valueHead, name: "value head", learningRateMultiplier: p.valueHeadLearningRateMultiplier, weightDecay: 0)
        var iteration = 0
        var normalization: ScoreNormalization?
        if resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint.path) {
            let header = try groups.restore(from: checkpoint, runKey: runKey)
            iteration = header.cursor
            // (A checkpoint without the scale: the next rollout sets it.)
            normalization = ScoreNormalization(checkpointFields: header.extra)
        }
        func save() throws {
            guard let checkpoint else { return }
            try groups.save(step: groups.step, cursor: iteration, runKey: runKey,
                            extra: normalization?.checkpointFields ?? [:], to: checkpoint)
        }

        let started = Date()
        var history: [Progress] = []
        while iteration < p.iterations {
            let iterationStart = Date()
            // 1) prompts of this iteration: a window of a per-epoch shuffle, recomputable on resume
            let batchPrompts = promptWindow(count: prompts.count, iteration: iteration, size: p.promptsPerIteration, seed: p.seed)
                .map { prompts[$0] }
            snapshot.refreshSampling()
            let generator = Generator(weights: snapshot.sampling.decoderWeights, geometry: snapshot.sampling.decoderGeometry,
                                      maxBatch: max(16, batchPrompts.count * p.samplesPerPrompt))
            let sampling = SamplingParameters(temperature: p.temperature, maxNewTokens: p.maxNewTokens, stopAtEndOfTurn: true,
                                              seed: p.seed &+ UInt64(iteration) &* 0x9E37_79B9)
            let samples = try generator.generate(prompts: batchPrompts, samplesPerPrompt: p.samplesPerPrompt,
                                                 parameters: sampling, endTokens: endTokens)
            let sequences = samples.map { CompletionSequence(prompt: batchPrompts[$0.promptIndex], completion: $0.tokenIDs) }
            // 2) rollout: scores, old log-probs and values, reference log-probs
            var rollout = try makeRollout(sequences: sequences, ended: samples.map { $0.finishReason != .length },
                                          snapshot: snapshot, valueHead: valueHead, score: score)
            let meanScore = rollout.scores.reduce(0, +) / Double(rollout.batch)
            if p.normalizeScores {
                // The first rollout is the reference policy's (no update yet); its scale is kept.
                if normalization == nil { normalization = ScoreNormalization(scores: rollout.scores) }
                rollout.scores = normalization!.apply(rollout.scores)
            }
            // 3) shaping, GAE, whitening
            let prepared = try PPO.prepare(rollout, parameters: p.ppo)
            // 4) PPO epochs over shuffled minibatches
            var stats = (pg: 0.0, vf: 0.0, pgClip: 0.0, vfClip: 0.0, approxKL: 0.0, count: 0.0)
            var rng = SeededRandom(seed: p.seed ^ 0x50504F, stream: UInt64(iteration))
            for _ in 0..<p.ppoEpochs {
                var order = Array(0..<sequences.count)
                order.shuffle(using: &rng)
                for start in stride(from: 0, to: order.count, by: p.minibatchSize) {
                    let rows = Array(order[start..<min(start + p.minibatchSize, order.count)])
                    let l = try minibatchStep(rows: rows, sequences: sequences, prepared: prepared, policy: policy,
                                              valueHead: valueHead, groups: groups, parameters: p)
                    stats.pg += l.pgLoss; stats.vf += l.vfLoss; stats.pgClip += l.pgClipfrac
                    stats.vfClip += l.vfClipfrac; stats.approxKL += l.approxKL; stats.count += 1
                }
            }
            iteration += 1
            if p.checkpointEvery > 0, iteration % p.checkpointEvery == 0 { try save() }
            let n = max(stats.count, 1)
            let line = Progress(
                iteration: iteration, totalIterations: p.iterations, meanScore: meanScore,
                meanKL: prepared.meanKL, entropy: PPO.sampledEntropy(logprobs: rollout.logprobs, prepared: prepared),
                pgClipfrac: stats.pgClip / n, vfClipfrac: stats.vfClip / n, valueLoss: stats.vf / n, policyLoss: stats.pg / n,
                approxKL: stats.approxKL / n,
                endedFraction: Double(samples.filter { $0.finishReason != .length }.count) / Double(samples.count),
                meanLength: Double(rollout.lengths.reduce(0, +)) / Double(rollout.batch),
                secondsPerIteration: Date().timeIntervalSince(iterationStart))
            history.append(line)
            if !progress(line) {
                try save()
                break
            }
        }
        return Result(iterations: iteration, seconds: Date().timeIntervalSince(started), history: history,
                      normalization: normalization)
    }

    /// Prompt indices of `iteration`: consecutive windows of a seeded shuffle per pass.
    static func promptWindow(count: Int, iteration: Int, size: Int, seed: UInt64) -> [Int] {
        (0..<min(size, count)).map { k in
            let global = iteration * min(size, count) + k
            let pass = global / count
            var rng = SeededRandom(seed: seed, stream: UInt64(pass))
            var order = Array(0..<count)
            order.shuffle(using: &rng)
            return order[global % count]
        }
    }
}

public enum PPOTrainerError: LocalizedError, Equatable {
    case noPrompts
    public var errorDescription: String? {
        switch self {
        case .noPrompts: "no prompts to sample from. ---> HINT: give a prompts file with one prompt a line."
        }
    }
}
