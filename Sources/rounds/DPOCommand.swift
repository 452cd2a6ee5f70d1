import ArgumentParser
import Foundation
import Training

/// `rounds dpo`: Direct Preference Optimization of a policy on chosen / rejected pairs (`DPOJob`).
struct DPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo",
        abstract: "Train a policy on preference pairs with DPO (or cDPO, IPO, hinge); the starting policy is the reference.",
        discussion: """
            Reads TRL's preference format, one pair a line: {"prompt":…,"chosen":…,"rejected":…}, where the prompt is a string or a list of {"role","content"} messages and chosen / rejected are a string or assistant messages. Pairs are rendered with the model's chat template. A malformed line stops the run before training with file:line and the reason. Reference log-probs are computed once from the starting policy and kept beside the checkpoint, so --resume does not recompute them. --batch-size counts pairs (each is two sequences in one forward).
            Example: rounds dpo --policy sft-v1 --data feedback/pairs.jsonl --out dpo-v1
            """)

    @OptionGroup var output: RunOptions
    @Option(help: "Policy to start from, also the reference: a policy name, a .gguf file, a Hugging Face folder, or a folder holding one .gguf.") var policy: String
    @Option(help: "Preference pairs (JSONL: prompt, chosen, rejected).") var data: String
    @Option(help: "β: strength of the implicit KL constraint (τ for IPO).") var beta = DPOJob.Parameters().trainer.objective.beta
    @Option(help: "Loss: sigmoid (DPO), conservative (cDPO, with --label-smoothing), ipo, hinge.") var loss = DPOJob.Parameters().trainer.objective.loss
    @Option(help: "ε for --loss conservative: the assumed probability that a preference label is flipped.") var labelSmoothing = DPOJob.Parameters().trainer.objective.labelSmoothing
    @OptionGroup var lengths: LengthOptions<DPOJob>
    @OptionGroup var training: TrainingGroups<DPOJob>

    func validate() throws {
        try check(output, lengths, training)
        guard beta > 0 else { throw ValidationError("--beta must be positive, e.g. --beta 0.1.") }
        guard (0..<0.5).contains(labelSmoothing) else { throw ValidationError("--label-smoothing must be in [0, 0.5), e.g. 0.1.") }
    }

    var parameters: DPOJob.Parameters {
        var p = DPOJob.Parameters(full: training.full)
        p.trainer.objective = DPO.Parameters(beta: beta, loss: loss, labelSmoothing: labelSmoothing)
        training.configure(&p.trainer.steps, &p.settings, run: output)
        (p.maxLength, p.maxPromptLength) = (lengths.maxLength, lengths.maxPromptLength)
        return p
    }

    func run() throws {
        // The file is checked before the model is loaded: a bad line fails fast.
        let (messages, sources) = try PreferenceFiles.readPairs(URL(fileURLWithPath: data))
        let context = try output.context(policy: policy, files: [data])
        try withOptionHints { try DPOJob.run(context, pairs: JobRows(examples: messages, sources: sources), parameters: parameters) }
    }
}

extension DPO.LossType: ExpressibleByArgument {}
