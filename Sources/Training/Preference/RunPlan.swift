import Foundation

/// How many optimizer steps a run takes and its learning-rate schedule, from the number of
/// micro-batches per epoch (shared by the preference trainers).
struct RunPlan {
    let stepsPerEpoch: Int
    let totalSteps: Int

    init(batches: Int, parameters: (gradientAccumulation: Int, epochs: Int, maxSteps: Int?)) {
        stepsPerEpoch = (batches + parameters.gradientAccumulation - 1) / parameters.gradientAccumulation
        totalSteps = min(parameters.maxSteps ?? .max, parameters.epochs * stepsPerEpoch)
    }

    /// Linear warm-up (capped below the run length) then cosine decay to `minRatio` × peak.
    func schedule(learningRate: Double, minRatio: Double, warmup: Int) throws -> LearningRateSchedule {
        try LearningRateSchedule(maxLR: learningRate, minLR: learningRate * minRatio,
                                 warmupSteps: min(warmup, max(totalSteps - 1, 0)), decaySteps: max(totalSteps, 1))
    }
}
