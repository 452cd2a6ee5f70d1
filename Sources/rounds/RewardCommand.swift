import Loop
import ArgumentParser
import Foundation
import Support
import Training

/// `rounds reward train`: a reward model (policy backbone + scalar head) from comparisons and judgments.
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Reward models: train one from clinicians' comparisons and judgments.",
        subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a reward model (Bradley-Terry on comparisons + pointwise on correct/incorrect judgments).",
            discussion: """
                --pairs: TRL preference JSONL {"prompt","chosen","rejected"}; --judgments: TRL unpaired JSONL
                {"prompt","completion","label"}. 5 % of each is held out for pairwise accuracy and ROC AUC.
                Example: rounds reward train --policy sft-v1 --pairs pairs.jsonl --judgments judgments.jsonl --out rm-v1
                """)

        @OptionGroup var registry: RegistryOptions
        @Option(help: "Policy whose backbone the reward model starts from (name, .gguf, or folder).")
        var policy: String
        @Option(help: "Comparisons (JSONL: prompt, chosen, rejected).")
        var pairs: String?
        @Option(help: "Judgments (JSONL: prompt, completion, label true = correct).")
        var judgments: String?
        @Option(help: "Name of the new reward model (its folder is <registry>/<name>).")
        var out: String
        @Flag(help: "Continue an interrupted run of the same --out from its last checkpoint.")
        var resume = false
        @Option(help: "Reward centering coefficient (TRL center_rewards_coefficient, e.g. 0.01; 0 = off).")
        var centerCoefficient = 0.0
        @Option(help: "Weight of the pointwise judgment loss relative to the pairwise loss.")
        var judgmentWeight = 1.0
        @Option(help: "Fraction of each file held out for evaluation.")
        var heldOutFraction = 0.05
        @Option(help: "Longest prompt + completion in tokens.")
        var maxLength = 1024
        @Option(help: "Longest prompt in tokens (an over-long prompt keeps its end).")
        var maxPromptLength = 512
        @Option(help: "Chat template override: chatml, chatml-smollm or llama3 (default: detected from the model).")
        var chatTemplate: String?
        @OptionGroup var training: TrainingOptions
        @OptionGroup var lora: LoRAOptions

        func validate() throws {
            guard PolicyRegistry.isValidName(out) else {
                throw ValidationError("--out '\(out)' is not a valid name: use letters, digits, '-', '_' and '.', e.g. --out rm-v1.")
            }
            guard pairs != nil || judgments != nil else { throw ValidationError("Give --pairs FILE and/or --judgments FILE.") }
            guard centerCoefficient >= 0 else { throw ValidationError("--center-coefficient must be ≥ 0, e.g. 0.01.") }
            guard judgmentWeight >= 0 else { throw ValidationError("--judgment-weight must be ≥ 0, e.g. 1.") }
            guard (0..<1).contains(heldOutFraction) else { throw ValidationError("--held-out-fraction must be in [0, 1), e.g. 0.05.") }
            try training.check()
            try lora.check()
        }

        func run() throws {
            let run = try PolicyRun(registry: registry, policy: policy, out: out, resume: resume, chatTemplate: chatTemplate,
                                        training: training, lora: lora)
            var encoder = run.encoder(maxLength: maxLength, maxPromptLength: maxPromptLength)
            var data = RewardTrainer.Data(), heldOut = RewardTrainer.Data()
            var files: [String: String] = [:]
            if let pairs {
                let url = URL(fileURLWithPath: pairs)
                let (messages, sources) = try PreferenceFiles.readPairs(url)
                let encoded = try encoder.encode(pairs: messages, sources: sources)
                (data.pairs, heldOut.pairs) = split(encoded)
                files[url.path] = try SHA256.hex(fileAt: url)
            }
            if let judgments {
                let url = URL(fileURLWithPath: judgments)
                let (messages, sources) = try PreferenceFiles.readLabelled(url)
                let encoded = try encoder.encode(examples: messages, sources: sources)
                (data.judgments, heldOut.judgments) = split(encoded)
                files[url.path] = try SHA256.hex(fileAt: url)
            }
            run.report(encoder, count: data.pairs.count + data.judgments.count, what: "training comparisons and judgments")
            var p = RewardTrainer.Parameters()
            p.steps = training.steps(learningRate: training.learningRate ?? (training.full ? 1e-5 : 1e-4))
            p.centerCoefficient = centerCoefficient
            p.judgmentWeight = judgmentWeight
            let head = ScalarHead(width: run.model.config.hiddenSize, seed: training.seed ^ 0x4EAD)
            let reward = try RewardModel(model: run.model, head: head)
            let runKey = run.runKey(files: files, options: "reward|\(p)|\(lora.configuration(seed: training.seed))|\(training.full)|\(maxLength)|\(maxPromptLength)|\(heldOutFraction)")
            let reporter = ProgressReporter("reward \(out)", total: 1, unit: "steps")
            let result = try RewardTrainer.train(reward: reward, train: data, heldOut: heldOut, parameters: p,
                                                 checkpoint: run.checkpoint, resume: resume, runKey: runKey) { progress in
                reporter.retotal(progress.totalSteps)
                reporter.update(progress.step, detail: String(format: "loss %.4f %.0f tok/s", progress.loss, progress.tokensPerSecond))
                if !reporter.interactive { log(progress.description) }
                return true
            }
            var metrics: [String: Double] = ["loss_final": result.finalLoss, "steps": Double(result.steps), "seconds": result.seconds,
                                             "tokens_per_second": Double(result.trainedTokens) / max(result.seconds, 1e-9)]
            if let a = result.heldOutAfter?.pairwiseAccuracy { metrics["heldout_pair_accuracy"] = a }
            if let a = result.heldOutAfter?.rocAUC { metrics["heldout_roc_auc"] = a }
            try head.save(to: run.folder.appendingPathComponent(ScalarHead.fileName))
            let recorded = training.record(lora: lora, extra: ["center_coefficient": "\(centerCoefficient)", "judgment_weight": "\(judgmentWeight)"])
            try run.save(method: RewardModel.method, files: files, parameters: recorded, metrics: metrics, full: training.full)
            log("reward \(out): \(result.steps) steps, held-out \(result.heldOutBefore?.description ?? "n/a") → \(result.heldOutAfter?.description ?? "n/a"); saved \(run.folder.path)")
        }

        /// Deterministic split: every k-th item held out (k from --held-out-fraction).
        private func split<T>(_ items: [T]) -> ([T], [T]) {
            guard heldOutFraction > 0, items.count >= 4 else { return (items, []) }
            let every = max(2, Int((1 / heldOutFraction).rounded()))
            var train: [T] = [], held: [T] = []
            for (i, item) in items.enumerated() { if i % every == every - 1 { held.append(item) } else { train.append(item) } }
            return (train, held)
        }
    }
}
