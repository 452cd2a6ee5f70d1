import ArgumentParser
import Foundation
import Llama
import Support
import Tokenizer
import Training

/// `rounds sft`: supervised fine-tuning of a base model into a policy.
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Fine-tune a base model on chat examples (loss on assistant tokens only) into a new policy.",
        discussion: """
            Reads the seed chat format {"messages":[…]} or TRL's {"prompt":…,"completion":…}, one example a line.
            A malformed line stops the run before training with file:line and the reason.
            Example: rounds sft --base policies/base --data feedback/seed/sft.jsonl --out sft-v1
            """)

    @OptionGroup var registry: RegistryOptions

    @Option(help: "Model to start from: a policy name, a .gguf file, a Hugging Face folder, or a folder holding one .gguf.")
    var base = "policies/base"

    @Option(help: "Training examples (JSONL).")
    var data = "feedback/seed/sft.jsonl"

    @Option(help: "Held-out examples (JSONL) for the validation loss. Without it, --held-out-fraction of --data is held out.")
    var validation: String?

    @Option(help: "Fraction of --data held out for validation when --validation is not given.")
    var heldOutFraction = 0.05

    @Option(help: "Name of the new policy (its folder is <registry>/<name>).")
    var out: String

    @Flag(help: "Continue an interrupted run of the same --out from its last checkpoint.")
    var resume = false

    @Option(help: "Longest example in tokens; longer ones are truncated or dropped (see --over-length).")
    var maxLength = 512

    @Option(help: "What to do with examples over --max-length: truncate or drop.")
    var overLength: SFTDataset.OverLength = .truncate

    @Option(help: "Drop examples with an assistant turn longer than this many tokens (end-of-turn token included); give the sampling cap (the main job's: 128) so the policy learns answers it can finish.")
    var maxAnswerTokens: Int?

    @Option(help: "Chat template override: chatml, chatml-smollm or llama3 (default: detected from the model).")
    var chatTemplate: String?

    @OptionGroup var training: TrainingOptions
    @OptionGroup var lora: LoRAOptions

    func validate() throws {
        guard PolicyRegistry.isValidName(out) else {
            throw ValidationError("--out '\(out)' is not a valid policy name: use letters, digits, '-', '_' and '.', e.g. --out sft-v1.")
        }
        guard maxLength >= 16 else { throw ValidationError("--max-length must be at least 16 tokens, e.g. --max-length 512.") }
        if let maxAnswerTokens, maxAnswerTokens < 2 { throw ValidationError("--max-answer-tokens must be at least 2, e.g. --max-answer-tokens 128.") }
        guard (0..<1).contains(heldOutFraction) else { throw ValidationError("--held-out-fraction must be in [0, 1), e.g. 0.05.") }
        try training.check()
        try lora.check()
    }

    func run() throws {
        let registry = self.registry.registry
        let folder = registry.folder(out)
        let checkpoint = folder.appendingPathComponent(PolicyFiles.checkpoint)
        if registry.contains(out) { throw PolicyRegistry.RegistryError.alreadyExists(name: out, path: folder.path) }
        if FileManager.default.fileExists(atPath: checkpoint.path), !resume {
            throw ValidationError("An interrupted run of '\(out)' is in \(folder.path). Add --resume to continue it, or choose another --out.")
        }

        // Everything that can be wrong with the inputs is found before training starts.
        let loaded = try PolicyLoader.load(base, registry: registry)
        let template = try ChatTemplate.forTokenizer(loaded.tokenizer, override: chatTemplate)
        let dataURL = URL(fileURLWithPath: data)
        var trainSet = try SFTDataset.load(dataURL, tokenizer: loaded.tokenizer, template: template, maxLength: maxLength, overLength: overLength,
                                           maxAnswerTokens: maxAnswerTokens)
        log(trainSet.report.description)
        var heldOut: SFTDataset
        if let validation {
            heldOut = try SFTDataset.load(URL(fileURLWithPath: validation), tokenizer: loaded.tokenizer, template: template, maxLength: maxLength, overLength: overLength)
            log(heldOut.report.description)
        } else {
            (trainSet, heldOut) = trainSet.split(heldOutFraction: heldOutFraction)
        }
        log("training on \(trainSet.examples.count) examples (\(trainSet.targetCount) assistant tokens), validating on \(heldOut.examples.count)")

        let model = loaded.model
        if training.full {
            if model.adapter != nil { model.mergeAdapter() }
            model.trainsBase = true
        } else if model.adapter == nil {
            model.adapter = LoRAAdapter(model: model.config, configuration: lora.configuration(seed: training.seed))
        }
        training.applyThreads()

        var files = [dataURL.path: try SHA256.hex(fileAt: dataURL)]
        if let validation { files[validation] = try SHA256.hex(fileAt: URL(fileURLWithPath: validation)) }
        let parameters = training.sftParameters
        let baseHash = try PolicyFiles.baseHash(of: loaded.baseURL)
        let runKey = SHA256.hex("\(files.sorted { $0.key < $1.key })|\(parameters)|\(lora.configuration(seed: training.seed))|\(training.full)|\(baseHash)|\(maxLength)|\(overLength)\(maxAnswerTokens.map { "|\($0)" } ?? "")")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let reporter = ProgressReporter("sft \(out)", total: 1, unit: "steps")
        var lastLogged = Date.distantPast
        let result = try SFTTrainer.train(
            model: model, train: trainSet, validation: heldOut, parameters: parameters,
            checkpoint: checkpoint, resume: resume, runKey: runKey
        ) { progress in
            reporter.retotal(progress.totalSteps)
            reporter.update(progress.step, detail: String(format: "loss %.4f %.0f tok/s", progress.loss, progress.tokensPerSecond))
            if progress.validationLoss != nil || Date().timeIntervalSince(lastLogged) > 30 || progress.step == progress.totalSteps {
                if !reporter.interactive { log(progress.description) } else if progress.validationLoss != nil { log("\n" + progress.description) }
                lastLogged = Date()
            }
            return true
        }

        var metrics: [String: Double] = [
            "train_loss_final": result.finalTrainLoss, "steps": Double(result.steps),
            "trained_tokens": Double(result.trainedTokens), "seconds": result.seconds,
            "tokens_per_second": Double(result.trainedTokens) / max(result.seconds, 1e-9),
        ]
        if let v = result.validationLossBefore { metrics["validation_loss_before"] = v }
        if let v = result.validationLossAfter { metrics["validation_loss_after"] = v }
        let manifest = PolicyManifest(
            name: out, parent: loaded.manifest?.name, kind: training.full ? .full : .lora,
            base: .init(path: registry.relativePath(of: loaded.baseURL), sha256: baseHash), method: "sft",
            data: .init(files: files), parameters: training.record(lora: lora, extra: ["max_length": "\(maxLength)", "over_length": overLength.rawValue]
                .merging(maxAnswerTokens.map { ["max_answer_tokens": "\($0)"] } ?? [:]) { a, _ in a }),
            metrics: metrics)
        try PolicyWriter.save(model: model, manifest: manifest, registry: registry)
        try? FileManager.default.removeItem(at: checkpoint)
        log(String(format: "sft %@: validation loss %@ → %@ over %d steps (%.0f tokens/s); saved %@",
                   out, fmt(result.validationLossBefore), fmt(result.validationLossAfter), result.steps,
                   metrics["tokens_per_second"]!, folder.path))
    }

    private func fmt(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
}

extension SFTDataset.OverLength: ExpressibleByArgument {}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
