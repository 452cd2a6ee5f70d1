import ArgumentParser
import Foundation
import Training

/// `rounds kto`: Kahneman-Tversky Optimization from completions labelled correct / incorrect (`KTOJob`).
struct KTOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kto",
        abstract: "Train a policy on completions labelled correct / incorrect with KTO; the starting policy is the reference.",
        discussion: """
            Reads TRL's unpaired format, one example a line: {"prompt":…,"completion":…,"label":true|false} (prompt: a string or messages; completion: a string or assistant messages). With --from-pairs it reads the preference format instead and uses every chosen completion as correct and every rejected one as incorrect. Desirable / undesirable weights are balanced to the class counts unless given.
            Example: rounds kto --policy sft-v1 --data feedback/judgments.jsonl --out kto-v1
            """)

    @OptionGroup var output: RunOptions
    @Option(help: "Policy to start from, also the reference: a policy name, a .gguf file, a Hugging Face folder, or a folder holding one .gguf.") var policy: String
    @Option(help: "Labelled completions (JSONL: prompt, completion, label), or preference pairs with --from-pairs.") var data: String
    @Flag(help: "Read --data as preference pairs (prompt, chosen, rejected) and split them into labelled completions.") var fromPairs = false
    @Option(help: "β: strength of the implicit KL constraint.") var beta = KTOJob.Parameters().trainer.beta
    @Option(help: "λ_D, weight of correct completions (default: balanced to the class counts).") var desirableWeight: Double?
    @Option(help: "λ_U, weight of incorrect completions (default: balanced to the class counts).") var undesirableWeight: Double?
    @OptionGroup var lengths: LengthOptions<KTOJob>
    @OptionGroup var training: TrainingGroups<KTOJob>

    func validate() throws {
        try check(output, lengths, training)
        guard beta > 0 else { throw ValidationError("--beta must be positive, e.g. --beta 0.1.") }
        for (name, w) in [("--desirable-weight", desirableWeight), ("--undesirable-weight", undesirableWeight)] {
            if let w, !(w > 0) { throw ValidationError("\(name) must be positive, e.g. \(name) 1.0.") }
        }
        guard training.steps.batchSize >= 2 else {
            throw ValidationError("--batch-size must be at least 2 for KTO: the KL reference point pairs prompts with other examples' completions.")
        }
    }

    var parameters: KTOJob.Parameters {
        var p = KTOJob.Parameters(full: training.full)
        (p.trainer.beta, p.trainer.desirableWeight, p.trainer.undesirableWeight) = (beta, desirableWeight, undesirableWeight)
        training.configure(&p.trainer.steps, &p.settings, run: output)
        (p.maxLength, p.maxPromptLength) = (lengths.maxLength, lengths.maxPromptLength)
        return p
    }

    func run() throws {
        // The file is checked before the model is loaded: a bad line fails fast.
        let url = URL(fileURLWithPath: data)
        let read = fromPairs ? try PreferenceFiles.readPairsAsLabelled(url) : try PreferenceFiles.readLabelled(url)
        let context = try output.context(policy: policy, files: [data])
        try withOptionHints {
            try KTOJob.run(context, judgments: JobRows(examples: read.examples, sources: read.sources), parameters: parameters)
        }
    }
}
