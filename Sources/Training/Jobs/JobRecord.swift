import Foundation
import Support

/// The typed record of a training job in its policy's manifest (`"job": {"dpo": {"parameters":
/// …, "metrics": …}}`): the parameters exactly as the trainer got them and the figures it
/// measured. One field is set, the one of the manifest's method.
public struct JobRecord: Codable, Equatable, Sendable {
    public struct Entry<Parameters: Codable & Equatable & Sendable, Metrics: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
        public var parameters: Parameters
        public var metrics: Metrics
        public init(parameters: Parameters, metrics: Metrics) {
            self.parameters = parameters
            self.metrics = metrics
        }
    }

    public var sft: Entry<SFTJob.Parameters, SFTJob.Metrics>?
    public var dpo: Entry<DPOJob.Parameters, DPOJob.Metrics>?
    public var kto: Entry<KTOJob.Parameters, KTOJob.Metrics>?
    public var reward: Entry<RewardJob.Parameters, RewardJob.Metrics>?
    public var ppo: Entry<PPOJob.Parameters, PPOJob.Metrics>?

    public init(sft: Entry<SFTJob.Parameters, SFTJob.Metrics>? = nil, dpo: Entry<DPOJob.Parameters, DPOJob.Metrics>? = nil,
                kto: Entry<KTOJob.Parameters, KTOJob.Metrics>? = nil, reward: Entry<RewardJob.Parameters, RewardJob.Metrics>? = nil,
                ppo: Entry<PPOJob.Parameters, PPOJob.Metrics>? = nil) {
        (self.sft, self.dpo, self.kto, self.reward, self.ppo) = (sft, dpo, kto, reward, ppo)
    }
}

/// What every step-based job measures about its run's length and speed.
public struct RunFigures: Codable, Equatable, Sendable {
    /// Optimizer steps taken (PPO: iterations).
    public var steps: Int
    /// Training seconds (without a reference pass).
    public var seconds: Double
    public var trainedTokens: Int
    public var tokensPerSecond: Double
    /// Passes over the data (steps × accumulation / micro-batches per epoch).
    public var epochsRun: Double
    public var stoppedByTimeBudget: Bool

    init(steps: Int, seconds: Double, trainedTokens: Int, microBatches: Int, perStep: Int, budget: TimeBudget) {
        self.steps = steps
        self.seconds = seconds
        self.trainedTokens = trainedTokens
        tokensPerSecond = Double(trainedTokens) / max(seconds, 1e-9)
        epochsRun = Double(steps * perStep) / Double(max(microBatches, 1))
        stoppedByTimeBudget = budget.ranOut
    }
}

/// Shows a job's steps: a progress line with a short detail on a terminal (the full step line
/// logged every 30 s and at the end), the full step line otherwise; stops the run when its time
/// budget is used up.
final class StepReporter {
    let reporter: ProgressReporter
    let budget: TimeBudget
    let log: (String) -> Void
    private var lastLogged = Date.distantPast

    init(_ label: String, unit: String = "steps", budget: TimeBudget, log: @escaping (String) -> Void) {
        reporter = ProgressReporter(label, total: 1, unit: unit)
        self.budget = budget
        self.log = log
    }

    /// Reports step `step` of `total`; returns whether another step may start.
    func step(_ step: Int, of total: Int, detail: String, line: String, force: Bool = false) -> Bool {
        reporter.retotal(total)
        reporter.update(step, detail: detail)
        if !reporter.interactive {
            log(line)
        } else if force || step == total || Date().timeIntervalSince(lastLogged) > 30 {
            log("\n" + line)
            lastLogged = Date()
        }
        guard budget.allowsAnotherStep() else {
            log("\(reporter.label): time budget of \(budget.seconds) s used up after step \(step) of \(total); stopping here")
            return false
        }
        return true
    }
}
