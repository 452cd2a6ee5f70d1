// Learning-rate schedule: linear warm-up, then cosine decay to a floor (nanoGPT `train.py`
// `get_lr`; Loshchilov & Hutter 2017, arXiv 1608.03983, without restarts).

import Foundation

public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// Peak learning rate, reached at the end of warm-up.
    public var maxLR: Double
    /// Floor reached at `decaySteps` and kept afterwards (nanoGPT: maxLR / 10).
    public var minLR: Double
    public var warmupSteps: Int
    /// Step at which the cosine reaches `minLR` (nanoGPT `lr_decay_iters`, ≈ the run length).
    public var decaySteps: Int

    public init(maxLR: Double, minLR: Double, warmupSteps: Int, decaySteps: Int) throws {
        self.maxLR = maxLR
        self.minLR = minLR
        self.warmupSteps = warmupSteps
        self.decaySteps = decaySteps
        try validate()
    }

    public func validate() throws {
        guard maxLR > 0, maxLR.isFinite else {
            throw ObjectiveError.invalidParameter(name: "maxLR", value: maxLR, expected: "a finite rate > 0, e.g. 1e-4")
        }
        guard minLR >= 0, minLR <= maxLR else {
            throw ObjectiveError.invalidParameter(name: "minLR", value: minLR, expected: "0 ≤ minLR ≤ maxLR, e.g. maxLR/10")
        }
        guard warmupSteps >= 0 else {
            throw ObjectiveError.invalidParameter(name: "warmupSteps", value: Double(warmupSteps), expected: "≥ 0")
        }
        guard decaySteps > warmupSteps else {
            throw ObjectiveError.invalidParameter(
                name: "decaySteps", value: Double(decaySteps), expected: "> warmupSteps (\(warmupSteps)), e.g. the total step count")
        }
    }

    /// The learning rate of optimizer step `step` (0-based).
    public func callAsFunction(_ step: Int) -> Double {
        // 1) linear warm-up: (step+1)/(warmup+1) of the peak, so step 0 already moves.
        if step < warmupSteps {
            return maxLR * Double(step + 1) / Double(warmupSteps + 1)
        }
        // 2) past the decay horizon: the floor.
        if step > decaySteps {
            return minLR
        }
        // 3) in between: cosine from maxLR (ratio 0) down to minLR (ratio 1).
        let ratio = Double(step - warmupSteps) / Double(decaySteps - warmupSteps)
        let coefficient = 0.5 * (1 + cos(Double.pi * ratio))
        return minLR + coefficient * (maxLR - minLR)
    }
}
