import Loop
import ArgumentParser
import Foundation
import Support
import Tokenizer
import Training

/// `rounds ppo`: PPO of a policy against a reward model.
struct PPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "Improve a policy by PPO against a reward model (KL penalty to the starting policy).",
        discussion: """
            --prompts: JSONL with a "prompt" field (a string or chat messages), one prompt a line.
            Example: rounds ppo --policy sft-v1 --reward-model rm-v1 --prompts feedback/seed/prompts.jsonl --out ppo-v1
            """)

    @OptionGroup var registry: RegistryOptions
    @Option(help: "Policy to start from, also the KL reference.")
    var policy: String
    @Option(help: "Reward model (trained with `rounds reward train`).")
    var rewardModel: String
    @Option(help: "Prompts (JSONL with a \"prompt\" field).")
    var prompts: String
    @Option(help: "Name of the new policy.")
    var out: String
    @Flag(help: "Continue an interrupted run of the same --out from its last checkpoint.")
    var resume = false
    @Option(help: "PPO iterations (each: sample, score, several epochs of updates).")
    var iterations = 20
    @Option(help: "Prompts sampled per iteration.")
    var promptsPerIteration = 16
    @Option(help: "Update epochs per rollout batch.")
    var ppoEpochs = 4
    @Option(help: "Responses per minibatch update.")
    var minibatchSize = 4
    @Option(help: "KL penalty coefficient (TRL kl_coef).")
    var klCoef = 0.05
    @Option(help: "KL estimator: k1 or k3.")
    var klEstimator: PPO.KLEstimator = .k1
    @Option(help: "Subtracted from the score of an answer that never ends.")
    var missingEosPenalty = 1.0
    @Option(help: "Longest answer in tokens.")
    var maxNewTokens = 128
    @Option(help: "Sampling temperature of the rollouts.")
    var temperature: Float = 1
    @Option(help: "Chat template override: chatml, chatml-smollm or llama3 (default: detected from the model).")
    var chatTemplate: String?
    @OptionGroup var training: TrainingOptions
    @OptionGroup var lora: LoRAOptions

    func validate() throws {
        guard PolicyRegistry.isValidName(out) else {
            throw ValidationError("--out '\(out)' is not a valid policy name: use letters, digits, '-', '_' and '.', e.g. --out ppo-v1.")
        }
        guard iterations > 0, promptsPerIteration > 0, ppoEpochs > 0, minibatchSize > 0, maxNewTokens > 0 else {
            throw ValidationError("--iterations, --prompts-per-iteration, --ppo-epochs, --minibatch-size and --max-new-tokens must be positive.")
        }
        guard klCoef >= 0 else { throw ValidationError("--kl-coef must be ≥ 0, e.g. 0.05.") }
        guard temperature > 0 else { throw ValidationError("--temperature must be positive, e.g. 1.") }
        try training.check()
        try lora.check()
    }

    private struct PromptLine: Decodable { var prompt: ChatContentLine }

    func run() throws {
        let run = try PolicyRun(registry: registry, policy: policy, out: out, resume: resume, chatTemplate: chatTemplate,
                                    training: training, lora: lora)
        let (reward, _) = try RewardModel.load(rewardModel, registry: registry.registry)
        let encoder = run.encoder(maxLength: 4096, maxPromptLength: 4096)
        let url = URL(fileURLWithPath: prompts)
        let promptIDs = try JSONLines.decode(PromptLine.self, from: url).map { try encoder.promptIDs($0.1.prompt.messages) }
        var p = PPOTrainer.Parameters()
        p.ppo.klCoef = klCoef
        p.ppo.klEstimator = klEstimator
        p.ppo.missingEOS = .subtract(missingEosPenalty)
        p.iterations = iterations
        p.promptsPerIteration = promptsPerIteration
        p.ppoEpochs = ppoEpochs
        p.minibatchSize = minibatchSize
        p.learningRate = training.learningRate ?? (training.full ? 1e-6 : 1e-5)
        p.maxGradNorm = training.maxGradNorm
        p.maxNewTokens = maxNewTokens
        p.temperature = temperature
        p.checkpointEvery = training.checkpointEvery
        p.seed = training.seed
        let files = [url.path: try SHA256.hex(fileAt: url)]
        let runKey = run.runKey(files: files, options: "ppo|\(p)|\(rewardModel)|\(lora.configuration(seed: training.seed))|\(training.full)")
        let endTokens = Set(run.loaded.tokenizer.endOfTurnTokenIds.map(Int32.init))
        let valueHead = ScalarHead(width: run.model.config.hiddenSize, seed: training.seed ^ 0x7A1)
        let reporter = ProgressReporter("ppo \(out)", total: iterations, unit: "iterations")
        let result = try PPOTrainer.train(
            policy: run.model, valueHead: valueHead, prompts: promptIDs, endTokens: endTokens,
            score: { try reward.score($0, batchSize: minibatchSize) }, parameters: p,
            checkpoint: run.checkpoint, resume: resume, runKey: runKey
        ) { progress in
            reporter.update(progress.iteration, detail: String(format: "score %.3f kl %.3f", progress.meanScore, progress.meanKL))
            log(reporter.interactive ? "\n" + progress.description : progress.description)
            return true
        }
        var metrics: [String: Double] = ["iterations": Double(result.iterations), "seconds": result.seconds]
        if let last = result.history.last {
            metrics["score_final"] = last.meanScore
            metrics["kl_final"] = last.meanKL
        }
        let recorded = training.record(lora: lora, extra: ["reward_model": rewardModel, "kl_coef": "\(klCoef)", "kl_estimator": klEstimator.rawValue])
        try run.save(method: "ppo", files: files, parameters: recorded, metrics: metrics, full: training.full)
        log("ppo \(out): \(result.iterations) iterations in \(Int(result.seconds)) s; saved \(run.folder.path)")
    }
}

extension PPO.KLEstimator: ExpressibleByArgument {}

/// A prompt field: a string (one user message) or a list of chat messages.
struct ChatContentLine: Decodable {
    var messages: [ChatMessage]
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) { messages = [ChatMessage(role: "user", content: text)] } else {
            messages = try c.decode([ChatMessage].self)
        }
    }
}
