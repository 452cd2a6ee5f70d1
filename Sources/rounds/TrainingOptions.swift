import Loop
import ArgumentParser
import Foundation
import Llama
import Tensor
import Training

/// Where the policy registry lives (shared by every command that reads or writes policies).
struct RegistryOptions: ParsableArguments {
    @Option(name: .customLong("policies"), help: "The policy registry folder.")
    var root = "policies"

    var registry: PolicyRegistry { PolicyRegistry(root: URL(fileURLWithPath: root)) }
}

/// Optimizer, schedule and run-control options common to the trainers.
struct TrainingOptions: ParsableArguments {
    @Flag(help: "Train every weight instead of a LoRA adapter.")
    var full = false
    @Option(help: "Sequences per micro-batch.")
    var batchSize = 4
    @Option(help: "Micro-batches per optimizer step.")
    var gradAccum = 1
    @Option(help: "Passes over the training data.")
    var epochs = 2
    @Option(help: "Stop after this many optimizer steps.")
    var maxSteps: Int?
    @Option(help: "Peak learning rate (default 2e-4 for LoRA, 2e-5 with --full).")
    var learningRate: Double?
    @Option(help: "Linear warm-up steps before the cosine decay.")
    var warmup = 10
    @Option(help: "Decoupled weight decay (AdamW).")
    var weightDecay = 0.0
    @Option(help: "Clip the global gradient norm to this value.")
    var maxGradNorm = 1.0
    @Option(help: "Validation loss every N steps (0: only before and after).")
    var evalEvery = 50
    @Option(help: "Write a resumable checkpoint every N steps (0: never).")
    var checkpointEvery = 25
    @Option(help: "Seed for data order, LoRA initialisation and dropout.")
    var seed: UInt64 = 0
    @Option(help: "Threads for matrix work and kernels (same seed and threads give bit-identical weights).")
    var threads = 2

    func check() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1, e.g. --batch-size 4.") }
        guard gradAccum > 0 else { throw ValidationError("--grad-accum must be at least 1.") }
        guard epochs > 0 else { throw ValidationError("--epochs must be at least 1.") }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be at least 1.") }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--learning-rate must be positive, e.g. 2e-4.") }
        guard threads > 0 else { throw ValidationError("--threads must be at least 1.") }
    }

    /// The run-length and optimizer options at `learningRate` (each trainer has its own default rate).
    func steps(learningRate: Double) -> StepParameters {
        var s = StepParameters(batchSize: batchSize, epochs: epochs, learningRate: learningRate, warmupSteps: warmup)
        s.gradientAccumulation = gradAccum
        s.maxSteps = maxSteps
        s.weightDecay = weightDecay
        s.maxGradNorm = maxGradNorm
        s.checkpointEvery = checkpointEvery
        s.seed = seed
        return s
    }

    var sftParameters: SFTTrainer.Parameters {
        var p = SFTTrainer.Parameters()
        p.steps = steps(learningRate: learningRate ?? (full ? 2e-5 : 2e-4))
        p.evalEvery = evalEvery
        return p
    }

    func applyThreads() { Threads.set(threads) }

    /// The options as recorded in a policy manifest.
    func record(lora: LoRAOptions, extra: [String: String]) -> [String: String] {
        var r = extra
        r["mode"] = full ? "full" : "lora"
        r["batch_size"] = "\(batchSize)"
        r["grad_accum"] = "\(gradAccum)"
        r["epochs"] = "\(epochs)"
        r["max_steps"] = maxSteps.map(String.init) ?? "none"
        r["learning_rate"] = "\(learningRate ?? (full ? 2e-5 : 2e-4))"
        r["warmup"] = "\(warmup)"
        r["weight_decay"] = "\(weightDecay)"
        r["max_grad_norm"] = "\(maxGradNorm)"
        r["seed"] = "\(seed)"
        r["threads"] = "\(threads)"
        if !full {
            r["lora_rank"] = "\(lora.loraRank)"
            r["lora_alpha"] = "\(lora.loraAlpha)"
            r["lora_dropout"] = "\(lora.loraDropout)"
            r["lora_targets"] = lora.loraTargets
        }
        return r
    }
}

/// LoRA adapter shape.
struct LoRAOptions: ParsableArguments {
    @Option(help: "LoRA rank r.")
    var loraRank = 16
    @Option(help: "LoRA alpha (the update is scaled by alpha / r).")
    var loraAlpha: Float = 32
    @Option(help: "Dropout on the adapter input during training.")
    var loraDropout: Float = 0
    @Option(help: "Comma-separated projections to adapt (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj).")
    var loraTargets = LoRATarget.allCases.map(\.rawValue).joined(separator: ",")

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

extension PolicyRun {
    /// A run as the training commands describe it; a leftover checkpoint without --resume is a usage error.
    init(registry options: RegistryOptions, policy: String, out: String, resume: Bool, chatTemplate: String?,
         training: TrainingOptions, lora: LoRAOptions) throws {
        training.applyThreads()
        do {
            try self.init(registry: options.registry, policy: policy, out: out, resume: resume, chatTemplate: chatTemplate,
                          weights: .init(full: training.full, lora: lora.configuration(seed: training.seed)))
        } catch let error as PolicyRun.RunError {
            throw ValidationError(error.localizedDescription)
        }
    }

    /// Logs what the encoder had to shorten.
    func report(_ encoder: PreferenceEncoder, count: Int, what: String) {
        log(encodingSummary(encoder, count: count, what: what))
    }

    /// Writes the policy trained from data files.
    func save(method: String, files: [String: String], parameters: [String: String], metrics: [String: Double], full: Bool) throws {
        try save(manifest(method: method, data: .init(files: files), parameters: parameters, metrics: metrics, full: full))
    }
}

extension TrainingOptions {
    /// The peak learning rate of a preference run: TRL's DPO default 1e-6 for every weight,
    /// 5e-5 for a LoRA adapter (whose update is scaled by alpha / r).
    var preferenceLearningRate: Double { learningRate ?? (full ? 1e-6 : 5e-5) }
}
