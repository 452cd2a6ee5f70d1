// PPO for RLHF, step 2 of 2: the clipped losses on a (mini)batch of prepared rows, and their
// gradients w.r.t. the new per-token log-probs and values (the model backward's inputs).
//
//   ρ_t      = exp(logp_new − logp_old)
//   pg_loss  = masked_mean(max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)), tokens)      arXiv 1707.06347 eq. 7
//   vf_loss  = ½·masked_mean(max((V−R)², (clip(V, V_old−ε_v, V_old+ε_v) − R)²), value positions)
//   loss     = pg_loss + vf_coef·vf_loss
//
// as in TRL's PPOTrainer (the minibatch block of `train`). Gradients follow PyTorch exactly,
// including its convention for torch.maximum at a tie (the gradient is split half / half) and
// clamp's (gradient passes when min ≤ x ≤ max). Legend: R rows in the minibatch, T tokens.
import Foundation

extension PPO {
    public struct LossResult<T: BinaryFloatingPoint> {
        public var loss: Double, pgLoss: Double, vfLoss: Double
        /// Fraction of real tokens where the clipped policy term was larger (TRL pg_clipfrac), and of
        /// value positions where the clipped value term was larger (vf_clipfrac).
        public var pgClipfrac: Double, vfClipfrac: Double
        /// ½·mean((logp_new − logp_old)²) over all R·T entries (padding contributes 0), as TRL.
        public var approxKL: Double
        /// (R,T) d loss / d newLogprobs and d loss / d newValues; 0 at masked positions.
        public var gradNewLogprobs: [T], gradNewValues: [T]
        /// (R,T) intermediate tensors, for logging and debugging.
        public var ratio: [Double], pgLosses: [Double], pgLosses2: [Double]
        public var vpred: [Double], vpredClipped: [Double], vfLosses1: [Double], vfLosses2: [Double]
    }

    /// Losses of the rows `rows` of `prepared` (all rows when nil), with `newLogprobs` and
    /// `newValues` (R,T) from the current policy and value head on those rows, in that order.
    public static func loss<T>(
        _ prepared: Prepared, rows: [Int]? = nil, newLogprobs: [T], newValues: [T],
        parameters: Parameters = Parameters()
    ) throws -> LossResult<T> {
        try parameters.validate()
        let nT = prepared.tokens
        let rows = rows ?? Array(0..<prepared.batch)
        if let r = rows.firstIndex(where: { $0 < 0 || $0 >= prepared.batch }) {
            throw ObjectiveError.invalidInput(field: "rows", index: r, reason: "row \(rows[r]) is not in 0..<\(prepared.batch)")
        }
        let n = rows.count * nT
        guard n > 0 else { throw ObjectiveError.emptyBatch("PPO minibatch") }
        let newLogp = try doubles(newLogprobs, field: "newLogprobs", count: n)
        let newV = try doubles(newValues, field: "newValues", count: n)

        let eps = parameters.cliprange, epsV = parameters.cliprangeValue
        var ratio = [Double](repeating: 1, count: n), pg1 = [Double](repeating: 0, count: n), pg2 = pg1
        var vpred = pg1, vclip = pg1, vf1 = pg1, vf2 = pg1
        var gLogp = pg1, gV = pg1
        var tokenCount = 0.0, valueCount = 0.0, pgSum = 0.0, vfSum = 0.0, pgClipped = 0.0, vfClipped = 0.0
        var klSquares = 0.0
        for (r, b) in rows.enumerated() {
            for t in 0..<nT {
                let i = r * nT + t, p = b * nT + t
                let isToken = prepared.tokenMask[p], isValue = prepared.valueMask[p]
                let old = prepared.logprobs[p], adv = prepared.advantages[p], ret = prepared.returns[p]

                // Policy term. Padding: new log-prob set to INVALID_LOGPROB like the old one (ρ = 1).
                let lp = isToken ? newLogp[i] : invalidLogprob
                klSquares += (lp - old) * (lp - old)
                let rho = exp(lp - old)
                let rhoClipped = min(max(rho, 1 - eps), 1 + eps)
                ratio[i] = rho
                pg1[i] = -adv * rho
                pg2[i] = -adv * rhoClipped
                if isToken {
                    tokenCount += 1
                    pgSum += max(pg1[i], pg2[i])
                    if pg2[i] > pg1[i] { pgClipped += 1 }
                    let inside = rho >= 1 - eps && rho <= 1 + eps
                    gLogp[i] = torchMaxGradient(pg1[i], pg2[i], -adv * rho, inside ? -adv * rho : 0)
                }

                // Value term. Outside the value mask V is set to 0 (and so is V_old).
                let v = isValue ? newV[i] : 0
                let vOld = prepared.values[p]
                vpred[i] = v
                vclip[i] = min(max(v, vOld - epsV), vOld + epsV)
                vf1[i] = (v - ret) * (v - ret)
                vf2[i] = (vclip[i] - ret) * (vclip[i] - ret)
                if isValue {
                    valueCount += 1
                    vfSum += max(vf1[i], vf2[i])
                    if vf2[i] > vf1[i] { vfClipped += 1 }
                    let inside = v >= vOld - epsV && v <= vOld + epsV
                    gV[i] = torchMaxGradient(vf1[i], vf2[i], 2 * (v - ret), inside ? 2 * (vclip[i] - ret) : 0)
                }
            }
        }
        guard tokenCount > 0, valueCount > 0 else { throw ObjectiveError.emptyBatch("PPO minibatch (all padding)") }
        let pgLoss = pgSum / tokenCount, vfLoss = 0.5 * vfSum / valueCount
        for i in 0..<n {
            gLogp[i] /= tokenCount
            gV[i] *= parameters.vfCoef * 0.5 / valueCount
        }
        return LossResult(
            loss: pgLoss + parameters.vfCoef * vfLoss, pgLoss: pgLoss, vfLoss: vfLoss,
            pgClipfrac: pgClipped / tokenCount, vfClipfrac: vfClipped / valueCount,
            approxKL: 0.5 * klSquares / Double(n),
            gradNewLogprobs: converted(gLogp), gradNewValues: converted(gV),
            ratio: ratio, pgLosses: pg1, pgLosses2: pg2, vpred: vpred, vpredClipped: vclip,
            vfLosses1: vf1, vfLosses2: vf2)
    }

    /// Gradient of max(a, b) given the gradients of a and b, as torch.maximum: the larger side's,
    /// or half of each at a tie.
    private static func torchMaxGradient(_ a: Double, _ b: Double, _ gradA: Double, _ gradB: Double) -> Double {
        a > b ? gradA : (a < b ? gradB : 0.5 * (gradA + gradB))
    }

    /// Mean of given per-token entropies H_t = −Σ_v p_v log p_v (R,T) over the real tokens of
    /// `rows` (TRL averages over padding too; that only dilutes the figure).
    public static func meanEntropy<T: BinaryFloatingPoint>(_ perToken: [T], prepared: Prepared, rows: [Int]? = nil) -> Double {
        maskedMean(perToken.map { Double($0) }, prepared: prepared, rows: rows)
    }

    /// Entropy estimated from the log-probs of the sampled tokens alone, −mean log π(y_t): unbiased
    /// for tokens sampled from π at temperature 1, when full distributions were not kept.
    public static func sampledEntropy<T: BinaryFloatingPoint>(logprobs: [T], prepared: Prepared, rows: [Int]? = nil) -> Double {
        -maskedMean(logprobs.map { Double($0) }, prepared: prepared, rows: rows)
    }

    private static func maskedMean(_ x: [Double], prepared: Prepared, rows: [Int]?) -> Double {
        let rows = rows ?? Array(0..<prepared.batch), nT = prepared.tokens
        var sum = 0.0, count = 0.0
        for (r, b) in rows.enumerated() {
            for t in 0..<nT where prepared.tokenMask[b * nT + t] && r * nT + t < x.count {
                sum += x[r * nT + t]
                count += 1
            }
        }
        return count > 0 ? sum / count : 0
    }
}
