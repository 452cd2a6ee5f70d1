import Loop
import ArgumentParser
import Foundation
import Support
import Training

/// `rounds kto`: Kahneman-Tversky Optimization from completions labelled correct / incorrect.
struct KTOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kto",
        abstract: "Train a policy on completions labelled correct / incorrect with KTO; the starting policy is the reference.",
        discussion: """
            Reads TRL's unpaired format, one example a line: {"prompt":…,"completion":…,"label":true|false} (prompt: a string or messages; completion: a string or assistant messages). With --from-pairs it reads the preference format instead and uses every chosen completion as correct and every rejected one as incorrect. Desirable / undesirable weights are balanced to the class counts unless given.
            Example: rounds kto --policy sft-v1 --data feedback/judgments.jsonl --out kto-v1
            """)

    @OptionGroup var registry: RegistryOptions

    @Option(help: "Policy to start from, also the reference: a policy name, a .gguf file, a Hugging Face folder, or a folder holding one .gguf.")
    var policy: String

    @Option(help: "Labelled completions (JSONL: prompt, completion, label), or preference pairs with --from-pairs.")
    var data: String

    @Option(help: "Name of the new policy (its folder is <registry>/<name>).")
    var out: String

    @Flag(help: "Read --data as preference pairs (prompt, chosen, rejected) and split them into labelled completions.")
    var fromPairs = false

    @Flag(help: "Continue an interrupted run of the same --out from its last checkpoint.")
    var resume = false

    @Option(help: "β: strength of the implicit KL constraint.")
    var beta = 0.1

    @Option(help: "λ_D, weight of correct completions (default: balanced to the class counts).")
    var desirableWeight: Double?

    @Option(help: "λ_U, weight of incorrect completions (default: balanced to the class counts).")
    var undesirableWeight: Double?

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
            throw ValidationError("--out '\(out)' is not a valid policy name: use letters, digits, '-', '_' and '.', e.g. --out kto-v1.")
        }
        guard beta > 0 else { throw ValidationError("--beta must be positive, e.g. --beta 0.1.") }
        for (name, w) in [("--desirable-weight", desirableWeight), ("--undesirable-weight", undesirableWeight)] {
            if let w, !(w > 0) { throw ValidationError("\(name) must be positive, e.g. \(name) 1.0.") }
        }
        guard training.batchSize >= 2 else {
            throw ValidationError("--batch-size must be at least 2 for KTO: the KL reference point pairs prompts with other examples' completions.")
        }
        guard maxLength >= 16 else { throw ValidationError("--max-length must be at least 16 tokens, e.g. --max-length 1024.") }
        guard maxPromptLength > 0, maxPromptLength < maxLength else {
            throw ValidationError("--max-prompt-length must be between 1 and --max-length − 1, e.g. --max-prompt-length 512.")
        }
        try training.check()
        try lora.check()
    }

    var parameters: KTOTrainer.Parameters {
        var p = KTOTrainer.Parameters()
        p.beta = beta
        p.desirableWeight = desirableWeight
        p.undesirableWeight = undesirableWeight
        p.steps = training.steps(learningRate: training.preferenceLearningRate)
        return p
    }

    func run() throws {
        // The file is checked before the model is loaded: a bad line fails fast.
        let dataURL = URL(fileURLWithPath: data)
        let read = fromPairs ? try PreferenceFiles.readPairsAsLabelled(dataURL) : try PreferenceFiles.readLabelled(dataURL)
        let run = try PolicyRun(registry: registry, policy: policy, out: out, resume: resume, chatTemplate: chatTemplate,
                                    training: training, lora: lora)
        var encoder = run.encoder(maxLength: maxLength, maxPromptLength: maxPromptLength)
        let examples = try encoder.encode(examples: read.examples, sources: read.sources)
        let desirable = examples.filter(\.desirable).count
        run.report(encoder, count: examples.count, what: "completions (\(desirable) correct, \(examples.count - desirable) incorrect)")
        let parameters = self.parameters
        let objective = parameters.objective(desirable: desirable, undesirable: examples.count - desirable)
        let ratio = objective.classWeightRatio(desirableCount: desirable, undesirableCount: examples.count - desirable)
        if desirable > 0, desirable < examples.count, !(1...(4.0 / 3)).contains(ratio) {
            log(String(format: "note: λ_D·n_D / (λ_U·n_U) = %.2f is outside [1, 4/3], the range the KTO paper recommends (arXiv 2402.01306 §4.1).", ratio))
        }

        let files = [dataURL.path: try SHA256.hex(fileAt: dataURL)]
        let runKey = run.runKey(files: files, options: "kto|\(fromPairs)|\(parameters)|\(lora.configuration(seed: training.seed))|\(training.full)|\(maxLength)|\(maxPromptLength)")
        let reporter = ProgressReporter("kto \(out)", total: 1, unit: "steps")
        var lastLogged = Date.distantPast
        let result = try KTOTrainer.train(
            model: run.model, examples: examples, parameters: parameters, checkpoint: run.checkpoint, resume: resume, runKey: runKey,
            referenceProgress: run.referenceReporter()
        ) { progress in
            reporter.retotal(progress.totalSteps)
            reporter.update(progress.step, detail: String(format: "loss %.4f kl %.3f %.0f tok/s", progress.loss, progress.kl, progress.tokensPerSecond))
            if !reporter.interactive || Date().timeIntervalSince(lastLogged) > 30 || progress.step == progress.totalSteps {
                log(reporter.interactive ? "\n" + progress.description : progress.description)
                lastLogged = Date()
            }
            return true
        }

        let metrics: [String: Double] = [
            "loss_final": result.finalLoss, "steps": Double(result.steps), "trained_tokens": Double(result.trainedTokens),
            "seconds": result.seconds, "reference_seconds": result.referenceSeconds,
            "tokens_per_second": Double(result.trainedTokens) / max(result.seconds, 1e-9),
            "desirable_weight": result.objective.desirableWeight, "undesirable_weight": result.objective.undesirableWeight,
        ]
        var recorded = training.record(lora: lora, extra: [
            "beta": "\(beta)", "from_pairs": "\(fromPairs)", "max_length": "\(maxLength)", "max_prompt_length": "\(maxPromptLength)",
            "desirable_weight": "\(result.objective.desirableWeight)", "undesirable_weight": "\(result.objective.undesirableWeight)",
            "examples": "\(examples.count)", "desirable_examples": "\(desirable)",
        ])
        recorded["learning_rate"] = "\(parameters.learningRate)"
        try run.save(method: "kto", files: files, parameters: recorded, metrics: metrics, full: training.full)
        log(String(format: "kto %@: %d steps, loss %.4f (%.0f tokens/s; reference pass %.1f s%@); saved %@", out, result.steps,
                   result.finalLoss, metrics["tokens_per_second"]!, result.referenceSeconds,
                   result.referenceFromCache ? ", from cache" : "", run.folder.path))
    }
}
