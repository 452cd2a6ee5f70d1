import Foundation

/// Reward-model scores rescaled to mean 0 and standard deviation 1 on responses of the
/// REFERENCE policy, with the scale fixed for the whole run (Ziegler et al. 2019, arXiv
/// 1909.08593 §2.2, normalise the reward model to mean 0 and variance 1 on the reference
/// policy's samples before RL; OpenAI lm-human-preferences sets the reward's gain and bias
/// from reference samples the same way).
///
/// Why: the KL coefficient β prices one nat of divergence from the reference in units of
/// score. A reward model trained to separate its comparisons well saturates at large
/// magnitudes (the triage reward model's scores sit near ±9, std ≈ 9); β = 0.05 against that
/// scale makes ten nats of KL cost half a point while answers the reward model never saw
/// during training can gain ten, so PPO leaves the reference's answer format and exploits
/// the reward model (reward hacking). On a fixed unit scale β means the same thing whatever
/// scale a reward model happened to learn. The statistics are fixed after the first rollout
/// (a running normalisation would let the policy move the scale it is judged on).
public struct ScoreNormalization: Codable, Equatable, Sendable {
    public var mean: Double
    public var standardDeviation: Double

    public init(mean: Double, standardDeviation: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Statistics of `scores` (population variance). A (near-)constant batch keeps unit scale
    /// and only shifts the mean, so a degenerate first rollout cannot blow scores up.
    public init(scores: [Double]) {
        let n = Double(max(scores.count, 1))
        let mu = scores.reduce(0, +) / n
        let variance = scores.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / n
        mean = mu
        standardDeviation = variance > 1e-12 ? variance.squareRoot() : 1
    }

    /// (s − mean) / std for each score.
    public func apply(_ scores: [Double]) -> [Double] {
        scores.map { ($0 - mean) / standardDeviation }
    }

    // Kept in the checkpoint header so a resumed run uses exactly the same scale
    // (Swift's description of a Double round-trips exactly).
    static let meanKey = "score_mean", deviationKey = "score_std"

    var checkpointFields: [String: String] {
        [Self.meanKey: "\(mean)", Self.deviationKey: "\(standardDeviation)"]
    }

    init?(checkpointFields fields: [String: String]) {
        guard let m = fields[Self.meanKey].flatMap(Double.init), let s = fields[Self.deviationKey].flatMap(Double.init) else {
            return nil
        }
        self.init(mean: m, standardDeviation: s)
    }
}
