// Reward-model losses on scalar rewards r (the reward head's outputs; the head and its backward
// live with the model, which needs d loss / d r for each sequence).
//
// Pairwise, Bradley-Terry (InstructGPT, Ouyang et al. 2022, arXiv 2203.02155, eq. 1), as TRL's
// RewardTrainer with both of its options:
//   loss = −mean_i log σ(r_c,i − r_r,i − m_i)            margin m_i as in Llama 2 (arXiv 2307.09288 eq. 2)
//        + c · mean_i (r_c,i + r_r,i)²                    TRL `center_rewards_coefficient` (Eisenstein
//                                                          et al. 2023, arXiv 2312.09244): keeps rewards centred
//
// Pointwise, for single judgments (correct / incorrect): binary cross-entropy on σ(r),
//   loss = mean_i e_i · w_i · BCE(σ(r_i), y_i),  w_i = positiveWeight if y_i else negativeWeight,
//   e_i a per-example weight (1 unless given; larger for answers rated severely harmful)
// (torch `binary_cross_entropy_with_logits` with `pos_weight` when negativeWeight = 1).
import Foundation

public enum RewardLoss {
    public struct PairwiseResult<T: BinaryFloatingPoint> {
        /// The full loss: `bradleyTerry + centeringTerm`.
        public var loss: Double
        /// −mean log σ(r_c − r_r − m) (with the margins if given).
        public var bradleyTerry: Double
        /// c · mean (r_c + r_r)² (0 without centering).
        public var centeringTerm: Double
        /// d loss / d r_c,i and d loss / d r_r,i.
        public var gradChosen: [T], gradRejected: [T]
        /// Fraction of pairs with r_c > r_r, ties counting half (see `RewardMetrics`).
        public var accuracy: Double
    }

    /// Bradley-Terry loss of B pairs with optional per-pair margins and reward centering.
    public static func bradleyTerry<T>(
        chosen: [T], rejected: [T], margins: [T]? = nil, centerCoefficient: Double = 0
    ) throws -> PairwiseResult<T> {
        let n = chosen.count
        guard n > 0 else { throw ObjectiveError.emptyBatch("reward pair batch") }
        guard centerCoefficient >= 0, centerCoefficient.isFinite else {
            throw ObjectiveError.invalidParameter(
                name: "centerCoefficient", value: centerCoefficient, expected: "a finite number ≥ 0, e.g. 0.01")
        }
        let rc = try doubles(chosen, field: "chosen", count: n)
        let rr = try doubles(rejected, field: "rejected", count: n)
        let m = try margins.map { try doubles($0, field: "margins", count: n) } ?? [Double](repeating: 0, count: n)

        var bt = 0.0, center = 0.0
        var gc = [Double](repeating: 0, count: n), gr = [Double](repeating: 0, count: n)
        for i in 0..<n {
            // −log σ(d) = softplus(−d), d/dd = −σ(−d).
            let d = rc[i] - rr[i] - m[i]
            bt += Stable.softplus(-d)
            let g = -Stable.sigmoid(-d)
            let s = rc[i] + rr[i]
            center += s * s
            gc[i] = (g + 2 * centerCoefficient * s) / Double(n)
            gr[i] = (-g + 2 * centerCoefficient * s) / Double(n)
        }
        bt /= Double(n)
        center = centerCoefficient * center / Double(n)
        return PairwiseResult(
            loss: bt + center, bradleyTerry: bt, centeringTerm: center,
            gradChosen: converted(gc), gradRejected: converted(gr),
            accuracy: RewardMetrics.pairwiseAccuracy(chosen: rc, rejected: rr))
    }

    public struct PointwiseResult<T: BinaryFloatingPoint> {
        public var loss: Double
        /// d loss / d r_i.
        public var gradRewards: [T]
        /// Fraction with sign agreement: r > 0 for correct, r < 0 for incorrect (r = 0 counts half).
        public var accuracy: Double
    }

    /// Binary cross-entropy of σ(r_i) against the judgment `correct[i]`, mean over the batch.
    /// `positiveWeight` / `negativeWeight` rebalance the classes (e.g. n_incorrect / n_correct).
    public static func pointwise<T>(
        rewards: [T], correct: [Bool], positiveWeight: Double = 1, negativeWeight: Double = 1, weights: [Double]? = nil
    ) throws -> PointwiseResult<T> {
        let n = rewards.count
        guard n > 0 else { throw ObjectiveError.emptyBatch("reward judgment batch") }
        guard correct.count == n else {
            throw ObjectiveError.countMismatch(field: "correct", expected: n, actual: correct.count)
        }
        for (name, w) in [("positiveWeight", positiveWeight), ("negativeWeight", negativeWeight)]
        where !(w > 0 && w.isFinite) {
            throw ObjectiveError.invalidParameter(name: name, value: w, expected: "a finite weight > 0, e.g. 1")
        }
        let e = weights ?? [Double](repeating: 1, count: n)
        guard e.count == n else { throw ObjectiveError.countMismatch(field: "weights", expected: n, actual: e.count) }
        if let bad = e.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw ObjectiveError.invalidParameter(name: "weights", value: bad, expected: "finite example weights > 0, e.g. 1")
        }
        let r = try doubles(rewards, field: "rewards", count: n)
        var loss = 0.0, hits = 0.0
        var grad = [Double](repeating: 0, count: n)
        for i in 0..<n {
            if correct[i] {
                // −log σ(r) = softplus(−r), d/dr = −σ(−r).
                loss += e[i] * positiveWeight * Stable.softplus(-r[i])
                grad[i] = -e[i] * positiveWeight * Stable.sigmoid(-r[i]) / Double(n)
                hits += r[i] > 0 ? 1 : (r[i] == 0 ? 0.5 : 0)
            } else {
                // −log(1 − σ(r)) = softplus(r), d/dr = σ(r).
                loss += e[i] * negativeWeight * Stable.softplus(r[i])
                grad[i] = e[i] * negativeWeight * Stable.sigmoid(r[i]) / Double(n)
                hits += r[i] < 0 ? 1 : (r[i] == 0 ? 0.5 : 0)
            }
        }
        return PointwiseResult(loss: loss / Double(n), gradRewards: converted(grad), accuracy: hits / Double(n))
    }
}
