import Foundation
import Llama

/// The optimizer-step scaffolding every step-based trainer shares (nanoGPT `train.py`'s outer
/// loop): the run length and learning-rate schedule, resuming from a checkpoint, global-norm
/// clipping and AdamW at the scheduled rate, a checkpoint every N steps and one when the
/// caller stops the run. What differs between trainers — the micro-batches, the objective,
/// the metrics — stays in the trainer, whose loop then reads as plain steps:
///
///     let loop = try StepLoop(groups: groups, batchesPerEpoch: batcher.batches.count, parameters: p.steps, …)
///     try loop.resume(resume)
///     try loop.run {
///         // 1) the micro-batches at loop.cursor …; 2) forward + backward
///         loop.cursor += p.gradientAccumulation
///         let (norm, lr) = try loop.update()      // 3) clip, 4) AdamW
///         try loop.checkpointIfDue()              // 5) checkpoint every N steps
///         return progress(…)                      // false: save and stop
///     }
final class StepLoop {
    let groups: ParameterGroups
    let parameters: StepParameters
    let batchesPerEpoch: Int
    let totalSteps: Int
    let schedule: LearningRateSchedule
    let checkpoint: URL?
    let runKey: String
    /// Optimizer steps completed.
    private(set) var step = 0
    /// Micro-batches consumed (the data cursor).
    var cursor = 0
    /// Saved with every checkpoint and restored on resume (e.g. the validation loss before training).
    var extra: [String: String] = [:]
    /// Tokens through forward + backward since `run` started (for tokens/s).
    var trainedTokens = 0
    private var started = Date()

    /// A run over `batchesPerEpoch` micro-batches per epoch: ⌈batches / accumulation⌉ steps per
    /// epoch, capped by `maxSteps`; linear warm-up (capped below the run length) then cosine
    /// decay to `minLearningRateRatio` × peak.
    init(groups: ParameterGroups, batchesPerEpoch: Int, parameters p: StepParameters, checkpoint: URL?, runKey: String) throws {
        self.groups = groups
        parameters = p
        self.batchesPerEpoch = batchesPerEpoch
        let stepsPerEpoch = (batchesPerEpoch + p.gradientAccumulation - 1) / p.gradientAccumulation
        totalSteps = min(p.maxSteps ?? .max, p.epochs * stepsPerEpoch)
        schedule = try LearningRateSchedule(
            maxLR: p.learningRate, minLR: p.learningRate * p.minLearningRateRatio,
            warmupSteps: min(p.warmupSteps, max(totalSteps - 1, 0)), decaySteps: max(totalSteps, 1))
        self.checkpoint = checkpoint
        self.runKey = runKey
    }

    /// Continues from the checkpoint when `resume` is set and one exists (weights, moments,
    /// step, cursor, dropout generator, `extra`); returns whether it did.
    @discardableResult
    func resume(_ resume: Bool) throws -> Bool {
        guard resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint.path) else { return false }
        let header = try groups.restore(from: checkpoint, runKey: runKey)
        (step, cursor, extra) = (header.step, header.cursor, header.extra)
        return true
    }

    /// Runs `body` once per optimizer step until the run is complete or `body` returns false
    /// (then a checkpoint is written first, so the run can be resumed).
    func run(_ body: () throws -> Bool) throws {
        started = Date()
        while step < totalSteps {
            guard try body() else {
                try save()
                return
            }
        }
    }

    /// 3) clip the global gradient norm, 4) one AdamW step at the scheduled rate. Returns the
    /// norm before clipping and the rate used; a non-finite norm stops the run.
    func update() throws -> (gradNorm: Double, learningRate: Double) {
        let norm = groups.clip(maxNorm: parameters.maxGradNorm)
        guard norm.isFinite else { throw TrainingError.nonFiniteGradient(step: step + 1) }
        let lr = schedule(step)
        groups.update(lr: lr)
        step += 1
        return (norm, lr)
    }

    /// 5) a checkpoint every `checkpointEvery` steps.
    func checkpointIfDue() throws {
        if parameters.checkpointEvery > 0, step % parameters.checkpointEvery == 0 { try save() }
    }

    func save() throws {
        guard let checkpoint else { return }
        try groups.save(step: step, cursor: cursor, runKey: runKey, extra: extra, to: checkpoint)
    }

    /// Whole epochs consumed.
    var epoch: Int { cursor / max(batchesPerEpoch, 1) }
    var seconds: Double { Date().timeIntervalSince(started) }
    var tokensPerSecond: Double { Double(trainedTokens) / max(seconds, 1e-9) }
}
