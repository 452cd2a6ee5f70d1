import ArgumentParser
import Testing
import Loop
import Training
@testable import rounds

/// Every default a training command's `--help` shows is the value its job uses: the help is
/// rendered (one option a line) and each `(default: …)` compared with the job's parameters.
@Suite struct TrainingHelpDefaultsTests {
    /// `--option` → the default shown in `help`, and the learning-rate text. An option's text
    /// starts on a line indented by two spaces and goes on over the more deeply indented lines.
    static func shownDefaults(_ help: String) -> (defaults: [String: String], learningRate: String?) {
        var blocks: [(name: String, text: String)] = []
        for line in help.split(separator: "\n").map(String.init) {
            if line.hasPrefix("  --"), let name = line.dropFirst(2).split(separator: " ").first {
                blocks.append((String(name), String(line.dropFirst(2))))
            } else if line.hasPrefix("   "), !blocks.isEmpty {
                blocks[blocks.count - 1].text += " " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        var shown: [String: String] = [:], rate: String?
        for (name, text) in blocks {
            if name == "--learning-rate" { rate = text }
            guard text.hasSuffix(")"), let start = text.range(of: "default: ", options: .backwards) else { continue }
            shown[name] = String(text[start.upperBound...].dropLast())
        }
        return (shown, rate)
    }

    static func stepDefaults(_ s: StepParameters) -> [String: String] {
        ["--batch-size": "\(s.batchSize)", "--grad-accum": "\(s.gradientAccumulation)", "--epochs": "\(s.epochs)",
         "--warmup": "\(s.warmupSteps)", "--weight-decay": "\(s.weightDecay)", "--max-grad-norm": "\(s.maxGradNorm)",
         "--checkpoint-every": "\(s.checkpointEvery)", "--seed": "\(s.seed)"]
    }

    static func commonDefaults(_ settings: JobSettings) -> [String: String] {
        let lora = settings.weights.lora
        return ["--full": "false", "--qlora": "\(settings.weights.qlora)", "--resume": "false", "--policies": "policies", "--threads": "\(settings.threads)",
                "--lora-rank": "\(lora.rank)", "--lora-alpha": "\(lora.alpha)", "--lora-dropout": "\(lora.dropout)",
                "--lora-targets": lora.targets.map(\.rawValue).joined(separator: ",")]
    }

    static func check(_ command: ParsableCommand.Type, expected: [String: String], rates: LearningRates) {
        let help = command.helpMessage(columns: 4000)
        let (shown, rate) = shownDefaults(help)
        for (option, value) in shown where option != "--full" && option != "--resume" {
            #expect(expected[option] == value, "\(command) --help shows \(option) default \(value); the job uses \(expected[option] ?? "nothing")")
        }
        for (option, value) in expected where value != "false" {
            #expect(shown[option] == value, "\(command) --help does not show \(option)'s default \(value)")
        }
        #expect(rate?.contains("default \(rates.lora) for LoRA, \(rates.full) with --full") == true, "\(rate ?? "no --learning-rate")")
    }

    @Test func sftHelpShowsTheJobDefaults() {
        let p = SFTJob.Parameters()
        var expected = Self.stepDefaults(p.trainer.steps).merging(Self.commonDefaults(p.settings)) { a, _ in a }
        expected.merge(["--base": "policies/base", "--data": "feedback/seed/sft.jsonl", "--held-out-fraction": "\(p.heldOutFraction)",
                        "--max-length": "\(p.maxLength)", "--over-length": p.overLength.rawValue, "--eval-every": "\(p.trainer.evalEvery)"]) { $1 }
        Self.check(SFTCommand.self, expected: expected, rates: SFTTrainer.Parameters.learningRates)
    }

    @Test func dpoHelpShowsTheJobDefaults() {
        let p = DPOJob.Parameters()
        var expected = Self.stepDefaults(p.trainer.steps).merging(Self.commonDefaults(p.settings)) { a, _ in a }
        expected.merge(["--beta": "\(p.trainer.objective.beta)", "--loss": p.trainer.objective.loss.rawValue,
                        "--label-smoothing": "\(p.trainer.objective.labelSmoothing)",
                        "--max-length": "\(p.maxLength)", "--max-prompt-length": "\(p.maxPromptLength)"]) { $1 }
        Self.check(DPOCommand.self, expected: expected, rates: DPOTrainer.Parameters.learningRates)
    }

    @Test func ktoHelpShowsTheJobDefaults() {
        let p = KTOJob.Parameters()
        var expected = Self.stepDefaults(p.trainer.steps).merging(Self.commonDefaults(p.settings)) { a, _ in a }
        expected.merge(["--beta": "\(p.trainer.beta)", "--from-pairs": "false",
                        "--max-length": "\(p.maxLength)", "--max-prompt-length": "\(p.maxPromptLength)"]) { $1 }
        Self.check(KTOCommand.self, expected: expected, rates: KTOTrainer.Parameters.learningRates)
    }

    @Test func rewardHelpShowsTheJobDefaults() {
        let p = RewardJob.Parameters()
        var expected = Self.stepDefaults(p.trainer.steps).merging(Self.commonDefaults(p.settings)) { a, _ in a }
        expected.merge(["--center-coefficient": "\(p.trainer.centerCoefficient)", "--judgment-weight": "\(p.trainer.judgmentWeight)",
                        "--held-out-fraction": "\(p.heldOutFraction)",
                        "--max-length": "\(p.maxLength)", "--max-prompt-length": "\(p.maxPromptLength)"]) { $1 }
        Self.check(RewardCommand.Train.self, expected: expected, rates: RewardTrainer.Parameters.learningRates)
    }

    @Test func ppoHelpShowsTheJobDefaults() {
        let p = PPOJob.Parameters(rewardModel: "rm")
        let t = p.trainer
        var expected = Self.commonDefaults(p.settings)
        expected.merge(["--iterations": "\(t.iterations)", "--prompts-per-iteration": "\(t.promptsPerIteration)", "--ppo-epochs": "\(t.ppoEpochs)",
                        "--minibatch-size": "\(t.minibatchSize)", "--kl-coef": "\(t.ppo.klCoef)", "--kl-estimator": t.ppo.klEstimator.rawValue,
                        "--missing-eos-penalty": "1.0", "--max-new-tokens": "\(t.maxNewTokens)", "--temperature": "\(t.temperature)",
                        "--max-grad-norm": "\(t.maxGradNorm)", "--checkpoint-every": "\(t.checkpointEvery)", "--seed": "\(t.seed)"]) { $1 }
        #expect(t.ppo.missingEOS == .subtract(1))
        Self.check(PPOCommand.self, expected: expected, rates: PPOTrainer.Parameters.learningRates)
    }

    /// The drift this guards against: one learning rate per method and weights, the same in the
    /// trainer, the CLI and the nightly configuration.
    @Test func theNightlyTrainsAtTheJobsRates() throws {
        let night = NightlyConfig()
        #expect(night.dpo.learningRate == DPOJob.Parameters().trainer.learningRate && night.dpo.learningRate == 5e-5)
        #expect(night.kto.learningRate == KTOJob.Parameters().trainer.learningRate)
        #expect(night.reward.learningRate == RewardJob.Parameters().trainer.learningRate && night.reward.learningRate == 1e-4)
        #expect(night.ppo.learningRate == PPOJob.Parameters(rewardModel: "rm").trainer.learningRate && night.ppo.learningRate == 1e-5)
        #expect(night.loraRank == PolicyRun.Weights().lora.rank && night.loraAlpha == PolicyRun.Weights().lora.alpha)
        #expect(PPOCommand.parsedParameters(["--policy", "p", "--reward-model", "rm", "--prompts", "x", "--out", "o"]).trainer.learningRate == 1e-5)
        #expect(PPOCommand.parsedParameters(["--policy", "p", "--reward-model", "rm", "--prompts", "x", "--out", "o", "--full"]).trainer.learningRate == 1e-6)
        #expect(try RewardCommand.Train.parse(["--policy", "p", "--pairs", "x", "--out", "o"]).parameters.trainer.learningRate == 1e-4)
    }
}

extension PPOCommand {
    static func parsedParameters(_ arguments: [String]) -> PPOJob.Parameters {
        (try? parse(arguments))?.parameters ?? PPOJob.Parameters(rewardModel: "parse failed")
    }
}
