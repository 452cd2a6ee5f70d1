import ArgumentParser
import Foundation
import Training

/// `rounds sft`: supervised fine-tuning of a base model into a policy (`SFTJob`).
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Fine-tune a base model on chat examples (loss on assistant tokens only) into a new policy.",
        discussion: """
            Reads the seed chat format {"messages":[…]} or TRL's {"prompt":…,"completion":…}, one example a line.
            A malformed line stops the run before training with file:line and the reason.
            Example: rounds sft --base policies/base --data feedback/seed/sft.jsonl --out sft-v1
            """)

    @OptionGroup var output: RunOptions
    @Option(help: "Model to start from: a policy name, a .gguf file, a Hugging Face folder, or a folder holding one .gguf.") var base = "policies/base"
    @Option(help: "Training examples (JSONL).") var data = "feedback/seed/sft.jsonl"
    @Option(help: "Held-out examples (JSONL) for the validation loss. Without it, --held-out-fraction of --data is held out.") var validation: String?
    @Option(help: "Fraction of --data held out for validation when --validation is not given.") var heldOutFraction = SFTJob.Parameters().heldOutFraction
    @Option(help: "Longest example in tokens; longer ones are truncated or dropped (see --over-length).") var maxLength = SFTJob.Parameters().maxLength
    @Option(help: "What to do with examples over --max-length: truncate or drop.") var overLength = SFTJob.Parameters().overLength
    @Option(help: "Drop examples with an assistant turn longer than this many tokens (end-of-turn token included); give the sampling cap (the main job's: 128) so the policy learns answers it can finish.") var maxAnswerTokens: Int?
    @Option(name: .customLong("repeat"), parsing: .singleValue, help: ArgumentHelp(
        "See every training example of a category K times an epoch, by its line's \"category\" field (give the option once per category), e.g. --repeat triage=3.",
        valueName: "category=K"))
    var repeats: [String] = []
    @Option(help: "Validation loss every N steps (0: only before and after).") var evalEvery = SFTJob.Parameters().trainer.evalEvery
    @OptionGroup var training: TrainingGroups<SFTJob>

    func validate() throws {
        try check(output, training)
        guard maxLength >= 16 else { throw ValidationError("--max-length must be at least 16 tokens, e.g. --max-length 512.") }
        if let maxAnswerTokens, maxAnswerTokens < 2 { throw ValidationError("--max-answer-tokens must be at least 2, e.g. --max-answer-tokens 128.") }
        guard (0..<1).contains(heldOutFraction) else { throw ValidationError("--held-out-fraction must be in [0, 1), e.g. 0.05.") }
        _ = try categoryRepeats()
    }

    /// `--repeat` as category → times; a malformed or repeated one is a usage error.
    func categoryRepeats() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for text in repeats {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let times = Int(parts[1]), (1...100).contains(times) else {
                throw ValidationError("--repeat '\(text)' is not CATEGORY=K with K from 1 to 100; type e.g. --repeat triage=3")
            }
            guard out.updateValue(times, forKey: parts[0]) == nil else {
                throw ValidationError("--repeat names '\(parts[0])' twice; give each category once, e.g. --repeat triage=3")
            }
        }
        return out
    }

    var parameters: SFTJob.Parameters {
        var p = SFTJob.Parameters(full: training.full)
        training.configure(&p.trainer.steps, &p.settings, run: output)
        p.trainer.evalEvery = evalEvery
        (p.maxLength, p.overLength, p.maxAnswerTokens, p.heldOutFraction) = (maxLength, overLength, maxAnswerTokens, heldOutFraction)
        let repeats = (try? categoryRepeats()) ?? [:]
        p.categoryRepeats = repeats.isEmpty ? nil : repeats
        return p
    }

    func run() throws {
        let context = try output.context(policy: base, files: [data] + (validation.map { [$0] } ?? []))
        try withOptionHints {
            try SFTJob.run(context, data: URL(fileURLWithPath: data), validation: validation.map { URL(fileURLWithPath: $0) },
                           parameters: parameters)
        }
    }
}

extension SFTDataset.OverLength: ExpressibleByArgument {}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
