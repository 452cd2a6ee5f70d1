// Kahneman-Tversky Optimization, Ethayarajh et al. 2024, arXiv 2402.01306 (§4, eq. 8), as TRL's
// KTOTrainer computes it (`kto_loss`, loss_type "kto").
//
// Per example i (n in the batch) with log-ratio ρ_i = π_i − ref_i of the summed completion
// log-probs, and the reference point z shared by the batch:
//
//   z        = max(0, mean_j (π_KL,j − ref_KL,j))      detached: no gradient flows through z
//   desirable    loss_i = w_i · λ_D · (1 − σ(β·(ρ_i − z)))
//   undesirable  loss_i = w_i · λ_U · (1 − σ(β·(z − ρ_i)))
//   loss     = mean over all n examples
//
// w_i is a per-example weight (1 unless given; TRL has none): the nightly run gives answers
// rated severely harmful a larger one, so they push the policy away harder. It scales the
// example's loss and its gradient alike and leaves z and the class weights untouched.
//
// The KL sequences j pair each prompt with a *mismatched* completion of the same batch (TRL's
// `_get_kl_dataset`: the completion list rotated by one), so z estimates KL(π‖ref) on
// completions the policy is not being pushed on. The policy KL log-probs are computed under
// no-grad: the trainer runs the KL forward without backward.
import Foundation

public enum KTO {
    /// Hyperparameters (TRL `KTOConfig` names in brackets).
    public struct Parameters: Codable, Equatable, Sendable {
        /// β [beta].
        public var beta: Double = 0.1
        /// λ_D [desirable_weight], λ_U [undesirable_weight].
        public var desirableWeight: Double = 1
        public var undesirableWeight: Double = 1

        public init(beta: Double = 0.1, desirableWeight: Double = 1, undesirableWeight: Double = 1) {
            self.beta = beta
            self.desirableWeight = desirableWeight
            self.undesirableWeight = undesirableWeight
        }

        /// Weights balanced to the class counts of the training set: λ_U = 1 and λ_D = n_U / n_D,
        /// so λ_D·n_D / (λ_U·n_U) = 1, the lower end of the paper's recommended range [1, 4/3]
        /// (§4.1 "Data imbalance"). TRL only warns when the ratio is outside that range; an
        /// explicit override is simply `Parameters(desirableWeight:undesirableWeight:)`. With only
        /// one class present there is nothing to balance and both weights stay 1.
        public static func balanced(beta: Double = 0.1, desirableCount: Int, undesirableCount: Int) -> Parameters {
            guard desirableCount > 0, undesirableCount > 0 else { return Parameters(beta: beta) }
            return Parameters(beta: beta, desirableWeight: Double(undesirableCount) / Double(desirableCount),
                              undesirableWeight: 1)
        }

        /// λ_D·n_D / (λ_U·n_U); the paper recommends keeping it in [1, 4/3].
        public func classWeightRatio(desirableCount: Int, undesirableCount: Int) -> Double {
            desirableWeight * Double(desirableCount) / (undesirableWeight * Double(undesirableCount))
        }

        public func validate() throws {
            guard beta > 0, beta.isFinite else {
                throw ObjectiveError.invalidParameter(name: "beta", value: beta, expected: "a finite number > 0, e.g. 0.1")
            }
            for (name, w) in [("desirableWeight", desirableWeight), ("undesirableWeight", undesirableWeight)]
            where !(w > 0 && w.isFinite) {
                throw ObjectiveError.invalidParameter(name: name, value: w, expected: "a finite weight > 0, e.g. 1")
            }
        }
    }

    /// n labelled completions and the KL sequences of the same batch.
    public struct Batch<T: BinaryFloatingPoint> {
        /// Summed completion log-probs of the n examples under policy and reference.
        public var policy: [T], reference: [T]
        public var desirable: [Bool]
        /// Log-probs of the mismatched KL sequences (any count ≥ 1; empty means z = 0, as TRL
        /// when no KL is computed).
        public var policyKL: [T], referenceKL: [T]
        /// Per-example weights w_i (nil: all 1).
        public var weights: [Double]?

        public init(policy: [T], reference: [T], desirable: [Bool], policyKL: [T], referenceKL: [T], weights: [Double]? = nil) {
            self.policy = policy
            self.reference = reference
            self.desirable = desirable
            self.policyKL = policyKL
            self.referenceKL = referenceKL
            self.weights = weights
        }
    }

    public struct Result<T: BinaryFloatingPoint> {
        public var loss: Double
        /// Weighted per-example losses (their mean is `loss`).
        public var perExample: [Double]
        /// d loss / d policy[i]. Nothing flows to the KL log-probs (z is detached).
        public var gradPolicy: [T]
        /// mean(π_KL − ref_KL) before clamping, and z = max(0, klRaw).
        public var klRaw: Double, z: Double
        /// rewards/chosen, rewards/rejected: mean β·ρ over desirable / undesirable examples
        /// (nil when the batch has none of that class); logps likewise for the policy log-probs.
        public var rewardsChosen: Double?, rewardsRejected: Double?
        public var logpsChosen: Double?, logpsRejected: Double?
    }

    public static func loss<T>(_ batch: Batch<T>, parameters: Parameters = Parameters()) throws -> Result<T> {
        try parameters.validate()
        let n = batch.policy.count
        guard n > 0 else { throw ObjectiveError.emptyBatch("KTO batch") }
        let pi = try doubles(batch.policy, field: "policy", count: n)
        let ref = try doubles(batch.reference, field: "reference", count: n)
        guard batch.desirable.count == n else {
            throw ObjectiveError.countMismatch(field: "desirable", expected: n, actual: batch.desirable.count)
        }
        let m = batch.policyKL.count
        let piKL = try doubles(batch.policyKL, field: "policyKL", count: m)
        let refKL = try doubles(batch.referenceKL, field: "referenceKL", count: m)
        let weights = batch.weights ?? [Double](repeating: 1, count: n)
        guard weights.count == n else { throw ObjectiveError.countMismatch(field: "weights", expected: n, actual: weights.count) }
        if let bad = weights.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw ObjectiveError.invalidParameter(name: "weights", value: bad, expected: "finite example weights > 0, e.g. 1")
        }
        let klRaw = mean((0..<m).map { piKL[$0] - refKL[$0] })
        let z = max(0, klRaw)

        let beta = parameters.beta
        var perExample = [Double](repeating: 0, count: n), grad = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let rho = pi[i] - ref[i]
            if batch.desirable[i] {
                // 1 − σ(a), a = β(ρ − z): d/dρ = −β·σ(a)·(1 − σ(a)).
                let s = Stable.sigmoid(beta * (rho - z))
                perExample[i] = parameters.desirableWeight * (1 - s)
                grad[i] = -parameters.desirableWeight * beta * s * (1 - s)
            } else {
                // 1 − σ(b), b = β(z − ρ): d/dρ = +β·σ(b)·(1 − σ(b)).
                let s = Stable.sigmoid(beta * (z - rho))
                perExample[i] = parameters.undesirableWeight * (1 - s)
                grad[i] = parameters.undesirableWeight * beta * s * (1 - s)
            }
            perExample[i] *= weights[i]
            grad[i] *= weights[i] / Double(n)
        }

        func classMean(_ want: Bool, _ f: (Int) -> Double) -> Double? {
            let idx = (0..<n).filter { batch.desirable[$0] == want }
            return idx.isEmpty ? nil : mean(idx.map(f))
        }
        return Result(
            loss: mean(perExample), perExample: perExample, gradPolicy: converted(grad), klRaw: klRaw, z: z,
            rewardsChosen: classMean(true) { beta * (pi[$0] - ref[$0]) },
            rewardsRejected: classMean(false) { beta * (pi[$0] - ref[$0]) },
            logpsChosen: classMean(true) { pi[$0] }, logpsRejected: classMean(false) { pi[$0] })
    }

    /// The KL sequences of a batch: example i's prompt with the completion of example (i−1) mod n,
    /// i.e. the completion list rotated by one, [c_{n−1}, c_0, …, c_{n−2}] (TRL
    /// `_get_kl_dataset`). Build them per training batch; with n = 1 the pair is matched, so use
    /// batches of at least 2.
    public static func klPairs<Content>(_ batch: [LabelledCompletion<Content>]) -> [(prompt: Content, completion: Content)] {
        let n = batch.count
        return (0..<n).map { (prompt: batch[$0].prompt, completion: batch[($0 + n - 1) % n].completion) }
    }

    /// Splits paired preferences into unpaired examples as TRL's `unpair_preference_dataset`:
    /// every chosen completion becomes desirable, every rejected one undesirable (all chosen
    /// first, then all rejected, in pair order; shuffle before batching).
    public static func unpaired<Content>(_ pairs: [PreferencePair<Content>]) -> [LabelledCompletion<Content>] {
        pairs.map { LabelledCompletion(prompt: $0.prompt, completion: $0.chosen, desirable: true) }
            + pairs.map { LabelledCompletion(prompt: $0.prompt, completion: $0.rejected, desirable: false) }
    }
}
