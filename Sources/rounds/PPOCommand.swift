import ArgumentParser
import Foundation
import Support
import Tokenizer
import Training

/// `rounds ppo`: PPO of a policy against a reward model (`PPOJob`).
struct PPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "Improve a policy by PPO against a reward model (KL penalty to the starting policy).",
        discussion: """
            --prompts: JSONL with a "prompt" field (a string or chat messages), one prompt a line.
            Example: rounds ppo --policy sft-v1 --reward-model rm-v1 --prompts feedback/seed/prompts.jsonl --out ppo-v1
            """)

    @OptionGroup var output: RunOptions
    @Option(help: "Policy to start from, also the KL reference.") var policy: String
    @Option(help: "Reward model (trained with `rounds reward train`).") var rewardModel: String
    @Option(help: "Prompts (JSONL with a \"prompt\" field).") var prompts: String
    @Option(help: "PPO iterations (each: sample, score, several epochs of updates).") var iterations = PPOTrainer.Parameters().iterations
    @Option(help: "Prompts sampled per iteration.") var promptsPerIteration = PPOTrainer.Parameters().promptsPerIteration
    @Option(help: "Update epochs per rollout batch.") var ppoEpochs = PPOTrainer.Parameters().ppoEpochs
    @Option(help: "Responses per minibatch update (and per reward-model scoring batch).") var minibatchSize = PPOTrainer.Parameters().minibatchSize
    @Option(help: "KL penalty coefficient (TRL kl_coef).") var klCoef = PPOTrainer.Parameters().ppo.klCoef
    @Option(help: "KL estimator: k1 or k3.") var klEstimator = PPOTrainer.Parameters().ppo.klEstimator
    @Option(help: "Subtracted from the score of an answer that never ends.") var missingEosPenalty = PPOTrainer.Parameters().ppo.missingEOS.penalty
    @Option(help: "Longest answer in tokens.") var maxNewTokens = PPOTrainer.Parameters().maxNewTokens
    @Option(help: "Sampling temperature of the rollouts.") var temperature = PPOTrainer.Parameters().temperature
    @Option(help: "Clip the global gradient norm to this value.") var maxGradNorm = PPOTrainer.Parameters().maxGradNorm
    @Option(help: "Write a resumable checkpoint every N iterations (0: never).") var checkpointEvery = PPOTrainer.Parameters().checkpointEvery
    @OptionGroup var rates: RateOptions<PPOJob>
    @OptionGroup var lora: LoRAOptions

    func validate() throws {
        try check(output, rates, lora)
        guard iterations > 0, promptsPerIteration > 0, ppoEpochs > 0, minibatchSize > 0, maxNewTokens > 0 else {
            throw ValidationError("--iterations, --prompts-per-iteration, --ppo-epochs, --minibatch-size and --max-new-tokens must be positive.")
        }
        guard klCoef >= 0 else { throw ValidationError("--kl-coef must be ≥ 0, e.g. 0.05.") }
        guard temperature > 0 else { throw ValidationError("--temperature must be positive, e.g. 1.") }
    }

    var parameters: PPOJob.Parameters {
        var p = PPOJob.Parameters(rewardModel: rewardModel, full: rates.full)
        p.trainer.ppo.klCoef = klCoef
        p.trainer.ppo.klEstimator = klEstimator
        p.trainer.ppo.missingEOS = .subtract(missingEosPenalty)
        (p.trainer.iterations, p.trainer.promptsPerIteration, p.trainer.ppoEpochs) = (iterations, promptsPerIteration, ppoEpochs)
        (p.trainer.minibatchSize, p.trainer.maxNewTokens, p.trainer.temperature) = (minibatchSize, maxNewTokens, temperature)
        (p.trainer.learningRate, p.trainer.maxGradNorm) = (rates.rate, maxGradNorm)
        (p.trainer.checkpointEvery, p.trainer.seed) = (checkpointEvery, rates.seed)
        p.settings = rates.settings(lora: lora, run: output)
        return p
    }

    private struct PromptLine: Decodable { var prompt: ChatContentLine }

    func run() throws {
        let lines = try JSONLines.decode(PromptLine.self, from: URL(fileURLWithPath: prompts))
        let context = try output.context(policy: policy, files: [prompts])
        try withOptionHints {
            try PPOJob.run(context, prompts: JobRows(examples: lines.map { $0.1.prompt.messages }, sources: lines.map { "\(prompts):\($0.0)" }),
                           parameters: parameters)
        }
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

extension PPO.MissingEOS {
    /// What is subtracted from the score of an answer that never ends (0 unless `.subtract`).
    var penalty: Double {
        if case let .subtract(p) = self { return p }
        return 0
    }
}
