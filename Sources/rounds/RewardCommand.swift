import ArgumentParser
import Foundation
import Training

/// `rounds reward train`: a reward model (policy backbone + scalar head) from comparisons and judgments (`RewardJob`).
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Reward models: train one from clinicians' comparisons and judgments.",
        subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a reward model (Bradley-Terry on comparisons + pointwise on correct/incorrect judgments).",
            discussion: """
                --pairs: TRL preference JSONL {"prompt","chosen","rejected"}; --judgments: TRL unpaired JSONL
                {"prompt","completion","label"}. --held-out-fraction of each is held out for pairwise accuracy and ROC AUC.
                Example: rounds reward train --policy sft-v1 --pairs pairs.jsonl --judgments judgments.jsonl --out rm-v1
                """)

        @OptionGroup var output: RunOptions
        @Option(help: "Policy whose backbone the reward model starts from (name, .gguf, or folder).") var policy: String
        @Option(help: "Comparisons (JSONL: prompt, chosen, rejected).") var pairs: String?
        @Option(help: "Judgments (JSONL: prompt, completion, label true = correct).") var judgments: String?
        @Option(help: "Reward centering coefficient (TRL center_rewards_coefficient, e.g. 0.01; 0 = off).") var centerCoefficient = RewardJob.Parameters().trainer.centerCoefficient
        @Option(help: "Weight of the pointwise judgment loss relative to the pairwise loss.") var judgmentWeight = RewardJob.Parameters().trainer.judgmentWeight
        @Option(help: "Fraction of each file held out for evaluation.") var heldOutFraction = RewardJob.Parameters().heldOutFraction
        @OptionGroup var lengths: LengthOptions<RewardJob>
        @OptionGroup var training: TrainingGroups<RewardJob>

        func validate() throws {
            try check(output, lengths, training)
            guard pairs != nil || judgments != nil else { throw ValidationError("Give --pairs FILE and/or --judgments FILE.") }
            guard centerCoefficient >= 0 else { throw ValidationError("--center-coefficient must be ≥ 0, e.g. 0.01.") }
            guard judgmentWeight >= 0 else { throw ValidationError("--judgment-weight must be ≥ 0, e.g. 1.") }
            guard (0..<1).contains(heldOutFraction) else { throw ValidationError("--held-out-fraction must be in [0, 1), e.g. 0.05.") }
        }

        var parameters: RewardJob.Parameters {
            var p = RewardJob.Parameters(full: training.full)
            training.configure(&p.trainer.steps, &p.settings, run: output)
            (p.trainer.centerCoefficient, p.trainer.judgmentWeight, p.heldOutFraction) = (centerCoefficient, judgmentWeight, heldOutFraction)
            (p.maxLength, p.maxPromptLength) = (lengths.maxLength, lengths.maxPromptLength)
            return p
        }

        func run() throws {
            // The files are checked before the model is loaded: a bad line fails fast.
            let comparisons = try pairs.map { try PreferenceFiles.readPairs(URL(fileURLWithPath: $0)) }
            let labelled = try judgments.map { try PreferenceFiles.readLabelled(URL(fileURLWithPath: $0)) }
            let context = try output.context(policy: policy, files: [pairs, judgments].compactMap { $0 })
            try withOptionHints {
                try RewardJob.run(context, pairs: comparisons.map { JobRows(examples: $0.pairs, sources: $0.sources) } ?? .empty,
                                  judgments: labelled.map { JobRows(examples: $0.examples, sources: $0.sources) } ?? .empty,
                                  heldOut: nil, parameters: parameters)
            }
        }
    }
}
