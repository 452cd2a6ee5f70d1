import Loop
import ArgumentParser
import Foundation
import Support
import Training

/// `rounds dpo`: Direct Preference Optimization of a policy on chosen / rejected pairs.
struct DPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo",
        abstract: "Train a policy on preference pairs with DPO (or cDPO, IPO, hinge); the starting policy is the reference.",
        discussion: """
            Reads TRL's preference format, one pair a line: {"prompt":…,"chosen":…,"rejected":…}, where the prompt is a string or a list of {"role","content"} messages and chosen / rejected are a string or assistant messages. Pairs are rendered with the model's chat template. A malformed line stops the run before training with file:line and the reason. Reference log-probs are computed once from the starting policy and kept beside the checkpoint, so --resume does not recompute them. --batch-size counts pairs (each is two sequences in one forward).
            Example: rounds dpo --policy sft-v1 --data feedback/pairs.jsonl --out dpo-v1
            """)

    @OptionGroup var registry: RegistryOptions

    @Option(help: "Policy to start from, also the reference: a policy name, a .gguf file, a Hugging Face folder, or a folder holding one .gguf.")
    var policy: String

    @Option(help: "Preference pairs (JSONL: prompt, chosen, rejected).")
    var data: String

    @Option(help: "Name of the new policy (its folder is <registry>/<name>).")
    var out: String

    @Flag(help: "Continue an interrupted run of the same --out from its last checkpoint.")
    var resume = false

    @Option(help: "β: strength of the implicit KL constraint (τ for IPO).")
    var beta = 0.1

    @Option(help: "Loss: sigmoid (DPO), conservative (cDPO, with --label-smoothing), ipo, hinge.")
    var loss: DPO.LossType = .sigmoid

    @Option(help: "ε for --loss conservative: the assumed probability that a preference label is flipped.")
    var labelSmoothing = 0.0

    @Option(help: "Longest prompt + completion in tokens (longer completions are cut).")
    var maxLength = 1024

    @Option(help: "Longest prompt in tokens (an over-long prompt keeps its end).")
    var maxPromptLength = 512

    @Option(help: "Chat template override: chatml, chatml-smollm or llama3 (default: detected from the model).")
    var chatTemplate: String?

    @OptionGroup var training: TrainingOptions
    @OptionGroup var lora: LoRAOptions

    func validate() throws {
        guard PolicyRegistry.isValidName(out) else {
            throw ValidationError("--out '\(out)' is not a valid policy name: use letters, digits, '-', '_' and '.', e.g. --out dpo-v1.")
        }
        guard beta > 0 else { throw ValidationError("--beta must be positive, e.g. --beta 0.1.") }
        guard (0..<0.5).contains(labelSmoothing) else { throw ValidationError("--label-smoothing must be in [0, 0.5), e.g. 0.1.") }
        guard maxLength >= 16 else { throw ValidationError("--max-length must be at least 16 tokens, e.g. --max-length 1024.") }
        guard maxPromptLength > 0, maxPromptLength < maxLength else {
            throw ValidationError("--max-prompt-length must be between 1 and --max-length − 1, e.g. --max-prompt-length 512.")
        }
        try training.check()
        try lora.check()
    }

    var parameters: DPOTrainer.Parameters {
        var p = DPOTrainer.Parameters()
        p.objective = DPO.Parameters(beta: beta, loss: loss, labelSmoothing: labelSmoothing)
        p.steps = training.steps(learningRate: training.preferenceLearningRate)
        return p
    }

    func run() throws {
        // Everything that can be wrong with the inputs is found before training starts.
        let dataURL = URL(fileURLWithPath: data)
        let (messages, sources) = try PreferenceFiles.readPairs(dataURL)
        let run = try PolicyRun(registry: registry, policy: policy, out: out, resume: resume, chatTemplate: chatTemplate,
                                    training: training, lora: lora)
        var encoder = run.encoder(maxLength: maxLength, maxPromptLength: maxPromptLength)
        let pairs = try encoder.encode(pairs: messages, sources: sources)
        run.report(encoder, count: pairs.count, what: "pairs")

        let files = [dataURL.path: try SHA256.hex(fileAt: dataURL)]
        let parameters = self.parameters
        let runKey = run.runKey(files: files, options: "dpo|\(parameters)|\(lora.configuration(seed: training.seed))|\(training.full)|\(maxLength)|\(maxPromptLength)")
        let reporter = ProgressReporter("dpo \(out)", total: 1, unit: "steps")
        var lastLogged = Date.distantPast
        let result = try DPOTrainer.train(
            model: run.model, pairs: pairs, parameters: parameters, checkpoint: run.checkpoint, resume: resume, runKey: runKey,
            referenceProgress: run.referenceReporter()
        ) { progress in
            reporter.retotal(progress.totalSteps)
            reporter.update(progress.step, detail: String(format: "loss %.4f margin %.3f acc %.2f %.0f tok/s", progress.loss,
                                                          progress.metrics.rewardsMargins, progress.metrics.rewardsAccuracies,
                                                          progress.tokensPerSecond))
            if !reporter.interactive || Date().timeIntervalSince(lastLogged) > 30 || progress.step == progress.totalSteps {
                log(reporter.interactive ? "\n" + progress.description : progress.description)
                lastLogged = Date()
            }
            return true
        }

        var metrics: [String: Double] = [
            "loss_final": result.finalLoss, "steps": Double(result.steps), "trained_tokens": Double(result.trainedTokens),
            "seconds": result.seconds, "reference_seconds": result.referenceSeconds,
            "tokens_per_second": Double(result.trainedTokens) / max(result.seconds, 1e-9),
        ]
        if let m = result.finalMetrics {
            metrics["rewards_chosen"] = m.rewardsChosen
            metrics["rewards_rejected"] = m.rewardsRejected
            metrics["rewards_margins"] = m.rewardsMargins
            metrics["rewards_accuracies"] = m.rewardsAccuracies
            metrics["kl_estimate"] = m.klEstimate
        }
        var recorded = training.record(lora: lora, extra: [
            "beta": "\(beta)", "loss": loss.rawValue, "label_smoothing": "\(labelSmoothing)",
            "max_length": "\(maxLength)", "max_prompt_length": "\(maxPromptLength)", "pairs": "\(pairs.count)",
        ])
        recorded["learning_rate"] = "\(parameters.learningRate)"
        try run.save(method: "dpo", files: files, parameters: recorded, metrics: metrics, full: training.full)
        log(String(format: "dpo %@: %d steps, loss %.4f, margin %.3f, accuracy %.2f (%.0f tokens/s; reference pass %.1f s%@); saved %@",
                   out, result.steps, result.finalLoss, result.finalMetrics?.rewardsMargins ?? .nan,
                   result.finalMetrics?.rewardsAccuracies ?? .nan, metrics["tokens_per_second"]!, result.referenceSeconds,
                   result.referenceFromCache ? ", from cache" : "", run.folder.path))
    }
}

extension DPO.LossType: ExpressibleByArgument {}
