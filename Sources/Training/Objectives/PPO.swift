// PPO for RLHF, step 1 of 2: turning a batch of sampled responses into per-token rewards,
// advantages and returns. Schulman et al. 2017, arXiv 1707.06347 (clipped objective, in
// PPOLoss.swift); GAE, Schulman et al. 2015, arXiv 1506.02438 (eq. 16); the RLHF shaping (per-token
// KL penalty to the reference, scalar score at the end) as in TRL's PPOTrainer
// (trl/trainer/ppo_trainer.py, `train`, the "compute rewards / advantages" block).
//
// Legend: B responses, T tokens (responses padded to the longest). All per-token arrays are flat
// row-major (B,T); `lengths[b]` real tokens (EOS included) are followed by padding.
//
// Score placement. TRL puts the score at index `lengths[b]` (one PAST the last real token) when
// that index exists and keeps the value estimate at that position too (`padding_mask_p1`); only
// a response filling the whole width gets its score on its last token. `.trl` reproduces that
// exactly; `.lastToken` puts every score on the last real token and masks all padding.
import Foundation

public enum PPO {
    /// Per-token estimator of KL(π_old‖ref) with logr = ref − logp (Schulman, "Approximating KL
    /// divergence", 2020): k1 = −logr; k3 = (e^logr − 1) − logr (non-negative, lower variance).
    public enum KLEstimator: String, Codable, Sendable { case k1, k3 }

    public enum ScorePlacement: String, Codable, Sendable { case trl, lastToken }

    /// What happens to the score of a response that never produced EOS (hit the length limit).
    public enum MissingEOS: Codable, Equatable, Sendable {
        case keep
        /// Replace the score (TRL ≤ 0.11 `non_eos_penalty` with `penalty_reward_value`).
        case replace(with: Double)
        /// Subtract from the score (TRL ≥ 0.12 `missing_eos_penalty`).
        case subtract(Double)
    }

    /// Hyperparameters (TRL `PPOConfig` names in brackets).
    public struct Parameters: Codable, Equatable, Sendable {
        public var klCoef = 0.05            // [kl_coef]
        public var klEstimator = KLEstimator.k1  // [kl_estimator]
        public var gamma = 1.0              // [gamma]
        public var lam = 0.95               // [lam]
        public var cliprange = 0.2          // [cliprange]
        public var cliprangeValue = 0.2     // [cliprange_value]
        public var vfCoef = 0.1             // [vf_coef]
        public var whitenRewards = false    // [whiten_rewards]
        public var scorePlacement = ScorePlacement.trl
        public var missingEOS = MissingEOS.keep

        public init() {}

        public func validate() throws {
            let checks: [(String, Double, Bool, String)] = [
                ("klCoef", klCoef, klCoef >= 0, "≥ 0, e.g. 0.05"),
                ("gamma", gamma, gamma >= 0 && gamma <= 1, "in [0, 1], e.g. 1"),
                ("lam", lam, lam >= 0 && lam <= 1, "in [0, 1], e.g. 0.95"),
                ("cliprange", cliprange, cliprange > 0, "> 0, e.g. 0.2"),
                ("cliprangeValue", cliprangeValue, cliprangeValue > 0, "> 0, e.g. 0.2"),
                ("vfCoef", vfCoef, vfCoef >= 0, "≥ 0, e.g. 0.1"),
            ]
            for (name, value, ok, expected) in checks where !(ok && value.isFinite) {
                throw ObjectiveError.invalidParameter(name: name, value: value, expected: expected)
            }
        }
    }

    /// What the sampler, the reference model, the value head and the reward model produced.
    public struct Rollout<T: BinaryFloatingPoint> {
        public var batch: Int, tokens: Int
        public var lengths: [Int]             // (B) real tokens per response, 1…T
        public var logprobs: [T]              // (B,T) log π_old of the sampled tokens
        public var refLogprobs: [T]           // (B,T) log ref of the same tokens
        public var values: [T]                // (B,T) V_old at each response position
        public var scores: [T]                // (B) reward-model score of each response
        public var endsWithEOS: [Bool]?       // (B) nil: all ended (MissingEOS is not applied)

        public init(batch: Int, tokens: Int, lengths: [Int], logprobs: [T], refLogprobs: [T], values: [T],
                    scores: [T], endsWithEOS: [Bool]? = nil) {
            self.batch = batch
            self.tokens = tokens
            self.lengths = lengths
            self.logprobs = logprobs
            self.refLogprobs = refLogprobs
            self.values = values
            self.scores = scores
            self.endsWithEOS = endsWithEOS
        }
    }

    /// The rollout after shaping and GAE: the fixed targets of the PPO epochs. All (B,T) in Double.
    public struct Prepared: Sendable {
        public var batch: Int, tokens: Int
        public var tokenMask: [Bool]        // real tokens (TRL ~padding_mask)
        public var valueMask: [Bool]        // positions whose value is trained (TRL ~padding_mask_p1)
        public var scoreIndex: [Int]        // (B) where the score was added (TRL actual_end)
        public var logprobs: [Double]       // padding set to 1 (TRL INVALID_LOGPROB)
        public var refLogprobs: [Double]
        public var values: [Double]         // outside valueMask set to 0
        public var scores: [Double]         // (B) after the missing-EOS rule
        public var kl: [Double], nonScoreReward: [Double], rewards: [Double]
        public var advantagesRaw: [Double], returns: [Double], advantages: [Double]
        /// mean over responses of Σ_t kl, of Σ_t non-score reward; rlhf_reward = the latter + mean score.
        public var meanKL: Double, meanNonScoreReward: Double, rlhfReward: Double
    }

    /// TRL's "INVALID_LOGPROB": the value written into log-probs at padding positions.
    public static let invalidLogprob = 1.0

    public static func prepare<T>(_ rollout: Rollout<T>, parameters: Parameters = Parameters()) throws -> Prepared {
        try parameters.validate()
        let nB = rollout.batch, nT = rollout.tokens, n = nB * nT
        guard nB > 0, nT > 0 else { throw ObjectiveError.emptyBatch("PPO rollout") }
        guard rollout.lengths.count == nB else {
            throw ObjectiveError.countMismatch(field: "lengths", expected: nB, actual: rollout.lengths.count)
        }
        if let b = rollout.lengths.firstIndex(where: { $0 < 1 || $0 > nT }) {
            throw ObjectiveError.invalidInput(
                field: "lengths", index: b, reason: "\(rollout.lengths[b]) is not in 1…\(nT); drop empty responses")
        }
        var logp = try doubles(rollout.logprobs, field: "logprobs", count: n)
        var ref = try doubles(rollout.refLogprobs, field: "refLogprobs", count: n)
        var values = try doubles(rollout.values, field: "values", count: n)
        var scores = try doubles(rollout.scores, field: "scores", count: nB)
        if let ends = rollout.endsWithEOS {
            guard ends.count == nB else {
                throw ObjectiveError.countMismatch(field: "endsWithEOS", expected: nB, actual: ends.count)
            }
            for b in 0..<nB where !ends[b] {
                switch parameters.missingEOS {
                case .keep: break
                case .replace(let value): scores[b] = value
                case .subtract(let penalty): scores[b] -= penalty
                }
            }
        }

        // Masks. seq_len = length − 1 (last real index); padding_mask: t > seq_len;
        // TRL padding_mask_p1: t > seq_len + 1 (one extra value position).
        let trl = parameters.scorePlacement == .trl
        var tokenMask = [Bool](repeating: false, count: n), valueMask = tokenMask
        var scoreIndex = [Int](repeating: 0, count: nB)
        for b in 0..<nB {
            let last = rollout.lengths[b] - 1
            for t in 0..<nT {
                tokenMask[b * nT + t] = t <= last
                valueMask[b * nT + t] = trl ? t <= last + 1 : t <= last
            }
            scoreIndex[b] = trl && last + 1 < nT ? last + 1 : last
        }

        var kl = [Double](repeating: 0, count: n), nonScore = kl
        for i in 0..<n {
            if !tokenMask[i] { logp[i] = invalidLogprob; ref[i] = invalidLogprob }
            if !valueMask[i] { values[i] = 0 }
            let logr = ref[i] - logp[i]
            kl[i] = parameters.klEstimator == .k1 ? -logr : (exp(logr) - 1) - logr
            nonScore[i] = -parameters.klCoef * kl[i]
        }
        var rewards = nonScore
        for b in 0..<nB { rewards[b * nT + scoreIndex[b]] += scores[b] }
        if parameters.whitenRewards {
            rewards = try maskedWhiten(rewards, mask: valueMask, shiftMean: false)
        }

        // GAE over every position, padding included (as TRL): δ_t = r_t + γ·V_{t+1} − V_t,
        // A_t = δ_t + γλ·A_{t+1}, with V_T = 0 and A_T = 0.
        var advRaw = [Double](repeating: 0, count: n)
        for b in 0..<nB {
            var lastGAE = 0.0
            for t in stride(from: nT - 1, through: 0, by: -1) {
                let i = b * nT + t
                let next = t + 1 < nT ? values[i + 1] : 0
                let delta = rewards[i] + parameters.gamma * next - values[i]
                lastGAE = delta + parameters.gamma * parameters.lam * lastGAE
                advRaw[i] = lastGAE
            }
        }
        let returns = (0..<n).map { advRaw[$0] + values[$0] }
        var advantages = try maskedWhiten(advRaw, mask: tokenMask, shiftMean: true)
        for i in 0..<n where !tokenMask[i] { advantages[i] = 0 }

        let rowSums = { (x: [Double]) in (0..<nB).map { b in x[(b * nT)..<(b * nT + nT)].reduce(0, +) } }
        let meanNonScore = mean(rowSums(nonScore))
        return Prepared(
            batch: nB, tokens: nT, tokenMask: tokenMask, valueMask: valueMask, scoreIndex: scoreIndex,
            logprobs: logp, refLogprobs: ref, values: values, scores: scores, kl: kl, nonScoreReward: nonScore,
            rewards: rewards, advantagesRaw: advRaw, returns: returns, advantages: advantages,
            meanKL: mean(rowSums(kl)), meanNonScoreReward: meanNonScore, rlhfReward: meanNonScore + mean(scores))
    }

    /// TRL `masked_whiten`: (x − mean)/√(var + 1e-8) with mean and the *unbiased* variance
    /// (× m/(m−1)) over the masked entries; `shiftMean: false` adds the mean back. With fewer than
    /// two masked entries the variance is undefined (TRL divides by zero); the centred values are
    /// returned unscaled instead.
    public static func maskedWhiten(_ x: [Double], mask: [Bool], shiftMean: Bool) throws -> [Double] {
        guard mask.count == x.count else {
            throw ObjectiveError.countMismatch(field: "mask", expected: x.count, actual: mask.count)
        }
        var count = 0.0, sum = 0.0
        for i in x.indices where mask[i] { count += 1; sum += x[i] }
        guard count > 0 else { return x }
        let mu = sum / count
        var squares = 0.0
        for i in x.indices where mask[i] { squares += (x[i] - mu) * (x[i] - mu) }
        let scale = count > 1 ? 1 / (squares / count * (count / (count - 1)) + 1e-8).squareRoot() : 1
        return x.map { (($0 - mu) * scale) + (shiftMean ? 0 : mu) }
    }
}
