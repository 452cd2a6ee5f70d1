// Whole nights of the loop on the base model (`scripts/bench-loop`): sft-v1 as the main job
// trains it, then each night production answers training prompts, three simulated reviewers
// (each flipping a share of its verdicts) rate them with overlap 2, `NightlyRun` trains and
// gates a candidate, the reviewers rate the queued candidate-vs-production pairs and the
// clinician-mode decision (`ClinicianReview`) promotes, waits or rejects. After each night
// the production policy is measured on held-out prompts only (`HeldOutScorer`) against
// sft-v1, printed, and written to --json with the curves next to it (`LoopPlot`).
import ArgumentParser
import FeedbackStore
import Foundation
import Loop
import Support
import Training

struct LoopBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop", abstract: "Whole nights of the loop on the base model, measured on held-out prompts against sft-v1.")

    @Option(help: "Nights to run.")
    var nights = 3
    @Option(help: "Seed of the prompt split, the sampling, the reviewers' flips and the nightly trainers.")
    var seed: UInt64 = 0
    @Option(help: "Write the figures here (JSON) after each night; the plot goes next to it (same name, .html, and the bare .svg).")
    var json: String?
    @Option(help: "Base model (.gguf).")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Nightly configuration (JSON); promotion is decided in clinician mode whatever it says.")
    var config = "feedback/nightly.json"
    @Option(help: "SFT optimizer steps for sft-v1 (the main job's settings otherwise; scripts/main.sh uses 24).")
    var sftSteps = 24
    @Option(help: "Peak SFT learning rate (scripts/main.sh: 1e-3).")
    var sftLearningRate = 1e-3
    @Option(help: "SFT warm-up steps (scripts/main.sh: 3).")
    var sftWarmup = 3
    @Option(help: "SFT trains only on examples whose answers fit this many tokens (scripts/main.sh: the sampling cap, 128).")
    var sftMaxAnswerTokens = 128
    @Option(help: "Policy update of every night (auto, dpo, kto, ppo); default: the configuration's.")
    var method: NightlyConfig.Method?
    @Option(help: "Epochs of the night's policy trainer (DPO or KTO); default: the configuration's.")
    var epochs: Int?
    @Option(help: "Peak learning rate of the night's policy trainer (DPO or KTO); default: the configuration's.")
    var learningRate: Double?
    @Option(help: "Answers production gives per prompt each night (training and held-out prompts); default: the configuration's sampling.answersPerPrompt.")
    var answersPerPrompt: Int?
    @Option(help: "Share of its verdicts each simulated reviewer flips (0.10–0.15).")
    var flip = 0.12
    @Option(help: "Share (0–1) of the answers it rates incorrect that each simulated reviewer corrects, when the rule finds a disposition to fix (TriageCorrection).")
    var corrections = 0.0
    @Option(help: "Training prompts production answers each night (answers per prompt: the configuration's sampling.answersPerPrompt).")
    var trainPrompts = 24
    @Option(help: "Held-out triage prompts per language × red-flag cell.")
    var heldOutTriage = 3
    @Option(help: "Held-out prompts per other category × language.")
    var heldOutOther = 1
    @Option(help: "Answers per held-out prompt and policy.")
    var answers = 6
    @Option(help: "Work folder (default: a temporary folder, removed afterwards).")
    var folder: String?

    func validate() throws {
        guard nights >= 1 else { throw ValidationError("--nights must be at least 1.") }
        guard (0.10...0.15).contains(flip) else { throw ValidationError("--flip must be between 0.10 and 0.15, e.g. 0.12.") }
        guard answers >= 1, trainPrompts >= 1, heldOutTriage >= 1, heldOutOther >= 0, sftSteps >= 1 else {
            throw ValidationError("--answers, --train-prompts, --held-out-triage and --sft-steps must be at least 1.")
        }
        guard sftLearningRate > 0, sftWarmup >= 0, sftMaxAnswerTokens >= 2 else {
            throw ValidationError("--sft-learning-rate must be positive, --sft-warmup at least 0 and --sft-max-answer-tokens at least 2.")
        }
        guard (0...1).contains(corrections) else { throw ValidationError("--corrections must be a share between 0 and 1, e.g. 0.5.") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1.") }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--learning-rate must be positive, e.g. 5e-5.") }
        if let answersPerPrompt, !(1...8).contains(answersPerPrompt) { throw ValidationError("--answers-per-prompt must be 1 to 8.") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let started = Date()
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let root = folder.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rounds-loop-bench-\(UUID().uuidString)")
        defer { if folder == nil { try? FileManager.default.removeItem(at: root) } }
        var settings = try NightlyConfig.load(URL(fileURLWithPath: config))
        settings.report = root.appendingPathComponent("feedback/reports/stats.html").path
        settings.promotion.mode = .clinician
        settings.seed = seed
        if let method { settings.method = method }
        if let epochs { (settings.dpo.epochs, settings.kto.epochs) = (epochs, epochs) }
        if let learningRate { (settings.dpo.learningRate, settings.kto.learningRate) = (learningRate, learningRate) }
        if let answersPerPrompt { settings.sampling.answersPerPrompt = answersPerPrompt }

        var world = try LoopWorld(root: root, seed: seed)
        try world.importPrompts(file: cwd.appendingPathComponent("feedback/seed/prompts.jsonl"), triage: heldOutTriage,
                                other: heldOutOther, seed: seed)
        let triage = world.heldOut.filter(\.isTriage)
        log("bench: \(world.trainingCount) training prompts, \(world.heldOut.count) held out (\(triage.count) triage: "
            + "\(triage.filter { $0.red_flag == true }.count) with a red flag, \(triage.filter { $0.language == "ja" }.count) in Japanese)")
        var sftSettings = LoopWorld.SFTSettings(steps: sftSteps, learningRate: sftLearningRate, warmup: sftWarmup,
                                                maxAnswerTokens: sftMaxAnswerTokens)
        sftSettings.seed = seed
        try world.sft(base: URL(fileURLWithPath: model).path, data: cwd.appendingPathComponent("feedback/seed/sft.jsonl"),
                      validation: cwd.appendingPathComponent("feedback/seed/sft-heldout.jsonl"), settings: sftSettings, log: log)

        let scorer = HeldOutScorer(world: world, config: settings, answersPerPrompt: answers, seed: seed,
                                   validationFile: cwd.appendingPathComponent("feedback/seed/sft-heldout.jsonl"), reference: "sft-v1", log: log)
        let sft = try scorer.score("sft-v1")
        let totals = sft.ruleTotals
        var figures = LoopFigures(sft: .init(
            rule_rate: Double(totals.successes) / Double(max(1, totals.total)),
            rule_rate_ci: [Double](Stats.wilsonInterval(successes: totals.successes, total: totals.total)),
            rule_n: totals.total, rule_by_cell: sft.ruleByCell(world.heldOut), validation_loss: sft.validationLoss, steps: sftSteps))
        figures.settings = ["nights": "\(nights)", "seed": "\(seed)", "flip": "\(flip)", "corrections": "\(corrections)", "sft_steps": "\(sftSteps)",
                            "train_prompts_per_night": "\(trainPrompts)", "answers_per_heldout_prompt": "\(answers)",
                            "heldout_prompts": "\(world.heldOut.count)", "heldout_triage_prompts": "\(triage.count)",
                            "config": config, "reviewers": "3", "overlap": "2",
                            "sft_learning_rate": "\(sftLearningRate)", "sft_warmup": "\(sftWarmup)",
                            "sft_max_answer_tokens": "\(sftMaxAnswerTokens)", "method": settings.method.rawValue,
                            "policy_epochs": "\(settings.method == .kto ? settings.kto.epochs : settings.dpo.epochs)",
                            "policy_learning_rate": "\(settings.method == .kto ? settings.kto.learningRate : settings.dpo.learningRate)",
                            "answers_per_prompt_nightly": "\(settings.sampling.answersPerPrompt)"]
        print(String(format: "sft-v1: held-out rule satisfaction %.3f [%.3f, %.3f] (n %d; %@), validation loss %.4f",
                     figures.sft.rule_rate, figures.sft.rule_rate_ci[0], figures.sft.rule_rate_ci[1], totals.total,
                     HeldOutScore.cellsLine(figures.sft.rule_by_cell), sft.validationLoss))

        let night = LoopNight(world: world, config: settings, root: cwd, scorer: scorer, sft: sft, flip: flip,
                              corrections: corrections, trainPrompts: trainPrompts, seed: seed, log: log)
        let progress = ProgressReporter("loop nights", total: nights, unit: "nights")
        for n in 1...nights {
            let figure = try night.run(n)
            figures.nights.append(figure)
            figures.seconds = Date().timeIntervalSince(started)
            print(figure.line)
            if let json { try write(figures, to: URL(fileURLWithPath: json)) }
            progress.update(n)
        }
        progress.finish()
        print(String(format: "loop: %d nights in %.1f min wall, peak %d MiB", nights, figures.seconds / 60, Int(ResourceUsage.peakResidentMiB())))
        print(LoopTarget(figures).summary)
    }

    private func write(_ figures: LoopFigures, to url: URL) throws {
        try figures.write(json: url)
        let html = url.deletingPathExtension().appendingPathExtension("html")
        try AtomicFile.write(Data(LoopPlot(figures: figures).html().utf8), to: html)
        try AtomicFile.write(Data(LoopPlot(figures: figures).svg().utf8), to: url.deletingPathExtension().appendingPathExtension("svg"))
    }

    private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

extension NightlyConfig.Method: ExpressibleByArgument {}
