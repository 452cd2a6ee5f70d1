import ArgumentParser
import Foundation
import Llama
import Training

/// A training job whose defaults the CLI shows: its parameters as they start, its learning
/// rates. Each option's default is read from here, so `--help` shows the value the job uses.
protocol JobDefaults {
    static var learningRates: LearningRates { get }
    static var seed: UInt64 { get }
}

/// A job whose trainer runs optimizer steps over batches (all but PPO).
protocol StepJobDefaults: JobDefaults {
    static var steps: StepParameters { get }
}

/// A job over prompt + completion pairs, with their length limits.
protocol LengthJobDefaults: JobDefaults {
    static var lengths: (maxLength: Int, maxPromptLength: Int) { get }
}

extension SFTJob: StepJobDefaults {
    static var learningRates: LearningRates { SFTTrainer.Parameters.learningRates }
    static var steps: StepParameters { Parameters().trainer.steps }
    static var seed: UInt64 { steps.seed }
}

extension DPOJob: StepJobDefaults, LengthJobDefaults {
    static var learningRates: LearningRates { DPOTrainer.Parameters.learningRates }
    static var steps: StepParameters { Parameters().trainer.steps }
    static var seed: UInt64 { steps.seed }
    static var lengths: (maxLength: Int, maxPromptLength: Int) { (Parameters().maxLength, Parameters().maxPromptLength) }
}

extension KTOJob: StepJobDefaults, LengthJobDefaults {
    static var learningRates: LearningRates { KTOTrainer.Parameters.learningRates }
    static var steps: StepParameters { Parameters().trainer.steps }
    static var seed: UInt64 { steps.seed }
    static var lengths: (maxLength: Int, maxPromptLength: Int) { (Parameters().maxLength, Parameters().maxPromptLength) }
}

extension RewardJob: StepJobDefaults, LengthJobDefaults {
    static var learningRates: LearningRates { RewardTrainer.Parameters.learningRates }
    static var steps: StepParameters { Parameters().trainer.steps }
    static var seed: UInt64 { steps.seed }
    static var lengths: (maxLength: Int, maxPromptLength: Int) { (Parameters().maxLength, Parameters().maxPromptLength) }
}

extension PPOJob: JobDefaults {
    static var learningRates: LearningRates { PPOTrainer.Parameters.learningRates }
    static var seed: UInt64 { PPOTrainer.Parameters().seed }
}

/// An option group that checks its values (a `ValidationError` naming the option).
protocol CheckedOptions {
    func check() throws
}

/// Checks every group.
func check(_ groups: any CheckedOptions...) throws {
    for group in groups { try group.check() }
}

/// What is trained and how fast: `--full`, the peak learning rate, the seed and the threads.
struct RateOptions<Job: JobDefaults>: ParsableArguments, CheckedOptions {
    @Flag(help: "Train every weight instead of a LoRA adapter.") var full = false
    @Option(help: ArgumentHelp("Peak learning rate (default \(Job.learningRates.lora) for LoRA, \(Job.learningRates.full) with --full).")) var learningRate: Double?
    @Option(help: "Seed for data order, LoRA initialisation and dropout.") var seed: UInt64 = Job.seed
    @Option(help: "Threads for matrix work and kernels (same seed and threads give bit-identical weights).") var threads = JobSettings().threads

    func check() throws {
        if let learningRate, !(learningRate > 0) { throw ValidationError("--learning-rate must be positive, e.g. \(Job.learningRates.lora).") }
        guard threads > 0 else { throw ValidationError("--threads must be at least 1.") }
    }

    var rate: Double { learningRate ?? Job.learningRates.rate(full: full) }

    /// The job settings these options, the LoRA shape and the run options give.
    func settings(lora: LoRAOptions, run: RunOptions) -> JobSettings {
        var s = JobSettings()
        (s.weights, s.threads, s.chatTemplate) = (.init(full: full, lora: lora.configuration(seed: seed)), threads, run.chatTemplate)
        return s
    }
}

/// Batches, epochs and the optimizer schedule of a step-based job.
struct StepOptions<Job: StepJobDefaults>: ParsableArguments, CheckedOptions {
    @Option(help: "Examples per micro-batch (pairs for DPO and the reward model).") var batchSize = Job.steps.batchSize
    @Option(help: "Micro-batches per optimizer step.") var gradAccum = Job.steps.gradientAccumulation
    @Option(help: "Passes over the training data.") var epochs = Job.steps.epochs
    @Option(help: "Stop after this many optimizer steps.") var maxSteps: Int?
    @Option(help: "Linear warm-up steps before the cosine decay.") var warmup = Job.steps.warmupSteps
    @Option(help: "Decoupled weight decay (AdamW).") var weightDecay = Job.steps.weightDecay
    @Option(help: "Clip the global gradient norm to this value.") var maxGradNorm = Job.steps.maxGradNorm
    @Option(help: "Write a resumable checkpoint every N steps (0: never).") var checkpointEvery = Job.steps.checkpointEvery

    func check() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1, e.g. --batch-size \(Job.steps.batchSize).") }
        guard gradAccum > 0 else { throw ValidationError("--grad-accum must be at least 1.") }
        guard epochs > 0 else { throw ValidationError("--epochs must be at least 1.") }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be at least 1.") }
    }

    /// The job's step parameters with these options and `rates`' rate and seed.
    func steps(_ rates: RateOptions<Job>) -> StepParameters {
        var s = Job.steps
        (s.batchSize, s.gradientAccumulation, s.epochs, s.maxSteps) = (batchSize, gradAccum, epochs, maxSteps)
        (s.learningRate, s.warmupSteps, s.weightDecay) = (rates.rate, warmup, weightDecay)
        (s.maxGradNorm, s.checkpointEvery, s.seed) = (maxGradNorm, checkpointEvery, rates.seed)
        return s
    }
}

/// What every step-based training command shares: the rate and weights, the batches and
/// schedule, the LoRA shape, QLoRA.
struct TrainingGroups<Job: StepJobDefaults>: ParsableArguments, CheckedOptions {
    @OptionGroup var rates: RateOptions<Job>
    @OptionGroup var steps: StepOptions<Job>
    @OptionGroup var lora: LoRAOptions
    @OptionGroup var qlora: QLoRAOptions

    func check() throws {
        for group in [rates, steps, lora] as [any CheckedOptions] { try group.check() }
        if qlora.qlora, rates.full { throw ValidationError("--qlora trains a LoRA adapter on a frozen 4-bit base; drop --full or --qlora.") }
    }

    var full: Bool { rates.full }

    /// Sets a job's step parameters and settings from these options and the run options.
    func configure(_ steps: inout StepParameters, _ settings: inout JobSettings, run: RunOptions) {
        steps = self.steps.steps(rates)
        settings = rates.settings(lora: lora, run: run)
        settings.weights.qlora = qlora.qlora
    }
}

/// Length limits of prompt + completion sequences.
struct LengthOptions<Job: LengthJobDefaults>: ParsableArguments, CheckedOptions {
    @Option(help: "Longest prompt + completion in tokens (longer completions are cut).") var maxLength = Job.lengths.maxLength
    @Option(help: "Longest prompt in tokens (an over-long prompt keeps its end).") var maxPromptLength = Job.lengths.maxPromptLength

    func check() throws {
        guard maxLength >= 16 else { throw ValidationError("--max-length must be at least 16 tokens, e.g. --max-length \(Job.lengths.maxLength).") }
        guard maxPromptLength > 0, maxPromptLength < maxLength else {
            throw ValidationError("--max-prompt-length must be between 1 and --max-length − 1, e.g. --max-prompt-length \(Job.lengths.maxPromptLength).")
        }
    }
}

/// QLoRA: the adapter trains on the base kept 4-bit.
struct QLoRAOptions: ParsableArguments {
    @Flag(help: "QLoRA: keep the frozen base 4-bit (NF4 from safetensors, a GGUF's own blocks) and train the LoRA adapter on it.")
    var qlora = false
}

/// LoRA adapter shape (the jobs' default adapter).
struct LoRAOptions: ParsableArguments, CheckedOptions {
    @Option(help: "LoRA rank r.") var loraRank = PolicyRun.Weights().lora.rank
    @Option(help: "LoRA alpha (the update is scaled by alpha / r).") var loraAlpha = PolicyRun.Weights().lora.alpha
    @Option(help: "Dropout on the adapter input during training.") var loraDropout = PolicyRun.Weights().lora.dropout
    @Option(help: "Comma-separated projections to adapt (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj).") var loraTargets = PolicyRun.Weights().lora.targets.map(\.rawValue).joined(separator: ",")

    var targets: [LoRATarget] { loraTargets.split(separator: ",").compactMap { LoRATarget(rawValue: $0.trimmingCharacters(in: .whitespaces)) } }

    func check() throws {
        guard loraRank > 0 else { throw ValidationError("--lora-rank must be at least 1, e.g. --lora-rank 16.") }
        guard (0..<1).contains(loraDropout) else { throw ValidationError("--lora-dropout must be in [0, 1).") }
        let names = loraTargets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for n in names where LoRATarget(rawValue: n) == nil {
            throw ValidationError("--lora-targets: '\(n)' is not a projection; choose from \(LoRATarget.allCases.map(\.rawValue).joined(separator: ",")).")
        }
    }

    func configuration(seed: UInt64) -> LoRAConfiguration {
        LoRAConfiguration(rank: loraRank, alpha: loraAlpha, dropout: loraDropout, targets: targets, seed: seed)
    }
}
