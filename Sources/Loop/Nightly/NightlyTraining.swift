import FeedbackStore
import Foundation
import Llama
import Support
import Training

/// The training half of a nightly run: the reward model, then the policy update (DPO, KTO
/// or PPO), each over every resolved training row of the snapshot for its configured epochs
/// (or until its time budget), written to the registry as a policy whose manifest names the
/// exact feedback rows it learned from and how many were available. Each trainer checkpoints into its output folder; a restarted run
/// resumes it (the run key ties the checkpoint to this snapshot and these settings).
struct NightlyTraining {
    let registry: PolicyRegistry
    let config: NightlyConfig
    let parent: String
    let snapshot: FeedbackSnapshot
    let feedback: NightlyFeedback
    let log: (String) -> Void

    /// The rows a trainer learned from and the hash of the whole snapshot they were drawn
    /// from (its rows are in `training_run_feedback`).
    func trainingData(_ rows: [FeedbackRow]) -> PolicyManifest.TrainingData {
        let (judgments, comparisons) = FeedbackRow.split(rows)
        return .init(judgmentIds: judgments, comparisonIds: comparisons, feedbackHash: snapshot.hash)
    }

    func start(_ out: String) throws -> PolicyRun {
        try PolicyRun(registry: registry, policy: parent, out: out, resume: true, chatTemplate: nil,
                      weights: .init(lora: LoRAConfiguration(rank: config.loraRank, alpha: config.loraAlpha, seed: config.seed)))
    }

    func runKey(_ run: PolicyRun, _ what: String, _ settings: some Encodable) throws -> String {
        let json = String(decoding: try JSONEncoder.sorted.encode(settings), as: UTF8.self)
        return run.runKey(files: [:], options: "nightly|\(what)|\(snapshot.hash)|\(json)|\(config.loraRank)|\(config.loraAlpha)|\(config.maxLength)|\(config.maxPromptLength)")
    }

    /// A nightly trainer's run length and optimizer settings: `epochs` passes over every row
    /// it is given, a checkpoint every 4 steps.
    func steps(_ t: NightlyConfig.Trainer) -> StepParameters {
        var s = StepParameters(batchSize: t.batchSize, epochs: t.epochs, learningRate: t.learningRate, warmupSteps: t.warmupSteps)
        s.checkpointEvery = 4
        s.seed = config.seed
        return s
    }

    /// A progress line per step on a terminal, a log line per step otherwise; `budget` says
    /// whether to go on after the step just done.
    func reporter(_ label: String, budget: TimeBudget) -> (_ step: Int, _ total: Int, _ line: String) -> Bool {
        let reporter = ProgressReporter(label, total: 1, unit: "steps")
        return { step, total, line in
            reporter.retotal(total)
            reporter.update(step)
            if !reporter.interactive || step == total { log(line) }
            guard budget.allowsAnotherStep() else {
                log("\(label): time budget of \(budget.seconds) s used up after step \(step) of \(total); stopping here")
                return false
            }
            return true
        }
    }

    func parameters(_ t: NightlyConfig.Trainer, extra: [String: String]) -> [String: String] {
        var p = extra
        p["epochs"] = "\(t.epochs)"
        p["batch_size"] = "\(t.batchSize)"
        p["learning_rate"] = "\(t.learningRate)"
        p["max_seconds"] = "\(t.maxSeconds)"
        p["lora_rank"] = "\(config.loraRank)"
        p["lora_alpha"] = "\(config.loraAlpha)"
        p["seed"] = "\(config.seed)"
        p["parent"] = parent
        p["flagged_reviewers"] = feedback.flaggedReviewers.joined(separator: ",")
        p["flagged_weight"] = "\(feedback.flaggedWeight)"
        return p
    }

    /// What the manifest says about how much of the snapshot a trainer used: rows available
    /// (with a preference / verdict), rows trained on, rows left out and why, epochs run.
    func usage(pairs: TrainingRows<EncodedPair>?, trained: [Int]?, judgments: TrainingRows<EncodedJudgment>?,
               trainedJudgments: [Int]?, steps: Int, batchesPerEpoch: Int, budget: TimeBudget) -> [String: Double] {
        var m: [String: Double] = ["epochs_run": Double(steps) / Double(max(batchesPerEpoch, 1)),
                                   "stopped_by_time_budget": budget.ranOut ? 1 : 0,
                                   "flagged_reviewers": Double(feedback.flaggedReviewers.count),
                                   "flagged_ratings": Double(feedback.flaggedRatings),
                                   "flagged_ratings_left_out": Double(feedback.flaggedLeftOut),
                                   "adjudicated_comparisons": Double(feedback.adjudicatedPairs),
                                   "adjudicated_judgments": Double(feedback.adjudicatedJudgments)]
        if let pairs, let trained {
            m["comparisons_available"] = Double(feedback.availablePairs)
            // Correction pairs come from judgment rows: counted apart from the comparisons.
            let fromCorrections = trained.filter { !pairs.ids[$0].isComparison }.count
            m["comparisons_used"] = Double(trained.count - fromCorrections)
            m["correction_pairs_used"] = Double(fromCorrections)
            m["comparisons_unresolved"] = Double(feedback.unresolvedPairIDs.count)
            m["comparisons_identical_skipped"] = Double(pairs.skipped.count)
        }
        if let judgments, let trainedJudgments {
            m["judgments_available"] = Double(feedback.availableJudgments)
            m["judgments_used"] = Double(trainedJudgments.count)
            m["judgments_unresolved"] = Double(feedback.unresolvedJudgmentIDs.count)
        }
        return m
    }

    /// Bradley-Terry on the comparisons plus the pointwise loss on the judgments; held-out
    /// ratings (the same `evaluation.maxHeldOut` sample the gates score) measure pairwise
    /// accuracy and ROC AUC.
    func trainReward(_ out: String) throws {
        let run = try start(out)
        let heldOutFeedback = feedback.heldOutSample(config)
        var encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
        let pairs = TrainingRows(pairs: try encoder.encode(pairs: feedback.pairs, sources: feedback.pairSources), ids: feedback.pairIDs)
        let judgments = TrainingRows(examples: try encoder.encode(examples: feedback.weightedJudgments(severeWeight: config.signals.severeHarmRewardWeight),
                                                                  sources: feedback.judgmentSources), ids: feedback.judgmentIDs)
        let train = RewardTrainer.Data(pairs: pairs.examples, judgments: judgments.examples)
        let heldOut = RewardTrainer.Data(
            pairs: try encoder.encode(pairs: heldOutFeedback.heldOutPairs, sources: heldOutFeedback.heldOutPairSources),
            judgments: try encoder.encode(examples: heldOutFeedback.heldOutJudgments, sources: heldOutFeedback.heldOutJudgmentSources))
        log(run.encodingSummary(encoder, count: train.pairs.count + train.judgments.count, what: "comparisons and judgments for the reward model"))
        logSkipped(pairs)
        var p = RewardTrainer.Parameters()
        p.steps = steps(config.reward)
        let head = ScalarHead(width: run.model.config.hiddenSize, seed: config.seed ^ 0x4EAD)
        let reward = try RewardModel(model: run.model, head: head)
        let budget = TimeBudget(seconds: config.reward.maxSeconds)
        let report = reporter("reward model \(out)", budget: budget)
        let result = try RewardTrainer.train(reward: reward, train: train, heldOut: heldOut, parameters: p, checkpoint: run.checkpoint,
                                             resume: true, runKey: try runKey(run, "reward", p)) { progress in
            report(progress.step, progress.totalSteps, progress.description)
        }
        var metrics: [String: Double] = ["loss_final": result.finalLoss, "steps": Double(result.steps), "seconds": result.seconds]
        metrics["heldout_pair_accuracy"] = result.heldOutAfter?.pairwiseAccuracy
        metrics["heldout_roc_auc"] = result.heldOutAfter?.rocAUC
        metrics.merge(usage(pairs: pairs, trained: result.trainedPairs, judgments: judgments, trainedJudgments: result.trainedJudgments,
                            steps: result.steps, batchesPerEpoch: result.batchesPerEpoch, budget: budget)) { $1 }
        let data = trainingData(judgments.ids(at: result.trainedJudgments) + pairs.ids(at: result.trainedPairs))
        try run.save(run.manifest(method: RewardModel.method, data: data, parameters: parameters(config.reward, extra: config.signals.manifestEntries(feedback)),
                                  metrics: metrics, full: false), head: head)
        log("reward model \(out): \(result.steps) steps, held-out \(result.heldOutAfter?.description ?? "n/a (no held-out ratings)")")
    }

    private func logSkipped(_ pairs: TrainingRows<EncodedPair>) {
        guard !pairs.skipped.isEmpty else { return }
        log("left out \(pairs.skipped.count) comparisons whose two answers encode to the same tokens (\(pairs.skipped.map(\.description).joined(separator: ", ")))")
    }

    /// The policy update by `method`; `rewardModel` is the reward model trained before it.
    func trainPolicy(_ out: String, method: NightlyConfig.Method, rewardModel: String, prompts: [[StoredMessage]]) throws {
        let run = try start(out)
        var metrics: [String: Double]
        var settings: [String: String]
        let data: PolicyManifest.TrainingData
        switch method {
        case .dpo, .auto:
            var encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
            let pairs = TrainingRows(pairs: try encoder.encode(pairs: feedback.pairs, sources: feedback.pairSources), ids: feedback.pairIDs)
            log(run.encodingSummary(encoder, count: pairs.examples.count, what: "preference pairs"))
            logSkipped(pairs)
            var p = DPOTrainer.Parameters()
            p.objective = DPO.Parameters(beta: config.dpo.beta)
            p.steps = steps(config.dpo)
            let budget = TimeBudget(seconds: config.dpo.maxSeconds)
            let report = reporter("dpo \(out)", budget: budget)
            let r = try DPOTrainer.train(model: run.model, pairs: pairs.examples, parameters: p, checkpoint: run.checkpoint, resume: true,
                                         runKey: try runKey(run, "dpo", p), referenceProgress: run.referenceReporter()) { progress in
                report(progress.step, progress.totalSteps, progress.description)
            }
            metrics = ["loss_final": r.finalLoss, "steps": Double(r.steps), "seconds": r.seconds, "reference_seconds": r.referenceSeconds]
            metrics["rewards_accuracies"] = r.finalMetrics?.rewardsAccuracies
            metrics["rewards_margins"] = r.finalMetrics?.rewardsMargins
            metrics.merge(usage(pairs: pairs, trained: r.trainedPairs, judgments: nil, trainedJudgments: nil, steps: r.steps,
                                batchesPerEpoch: r.batchesPerEpoch, budget: budget)) { $1 }
            settings = parameters(config.dpo, extra: ["beta": "\(config.dpo.beta)", "loss": "sigmoid", "pairs": "\(pairs.examples.count)"])
            data = trainingData(pairs.ids(at: r.trainedPairs))
        case .kto:
            var encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
            let examples = TrainingRows(examples: try encoder.encode(examples: feedback.weightedJudgments(severeWeight: config.signals.severeHarmKTOWeight),
                                                                     sources: feedback.judgmentSources), ids: feedback.judgmentIDs)
            log(run.encodingSummary(encoder, count: examples.examples.count, what: "judged answers"))
            var p = KTOTrainer.Parameters()
            p.beta = config.kto.beta
            p.steps = steps(config.kto)
            let budget = TimeBudget(seconds: config.kto.maxSeconds)
            let report = reporter("kto \(out)", budget: budget)
            let r = try KTOTrainer.train(model: run.model, examples: examples.examples, parameters: p, checkpoint: run.checkpoint, resume: true,
                                         runKey: try runKey(run, "kto", p), referenceProgress: run.referenceReporter()) { progress in
                report(progress.step, progress.totalSteps, progress.description)
            }
            metrics = ["loss_final": r.finalLoss, "steps": Double(r.steps), "seconds": r.seconds, "reference_seconds": r.referenceSeconds,
                       "desirable_weight": r.objective.desirableWeight, "undesirable_weight": r.objective.undesirableWeight]
            metrics.merge(usage(pairs: nil, trained: nil, judgments: examples, trainedJudgments: r.trainedExamples, steps: r.steps,
                                batchesPerEpoch: r.batchesPerEpoch, budget: budget)) { $1 }
            settings = parameters(config.kto, extra: ["beta": "\(config.kto.beta)", "examples": "\(examples.examples.count)"])
            data = trainingData(examples.ids(at: r.trainedExamples))
        case .ppo:
            // PPO learns from the reward model's scores, so its data are the reward model's rows.
            data = try registry.manifest(rewardModel).data
            let (reward, _) = try RewardModel.load(rewardModel, registry: registry)
            let encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
            let promptIDs = try prompts.map { try encoder.promptIDs(NightlyFeedback.messages($0)) }
            var p = PPOTrainer.Parameters()
            p.iterations = config.ppo.iterations
            p.promptsPerIteration = config.ppo.promptsPerIteration
            p.ppo.klCoef = config.ppo.klCoef
            p.maxNewTokens = config.ppo.maxNewTokens
            p.learningRate = config.ppo.learningRate
            p.checkpointEvery = 2
            p.seed = config.seed
            let budget = TimeBudget(seconds: config.ppo.maxSeconds)
            let report = reporter("ppo \(out)", budget: budget)
            let r = try PPOTrainer.train(
                policy: run.model, valueHead: ScalarHead(width: run.model.config.hiddenSize, seed: config.seed ^ 0x7A1),
                prompts: promptIDs, endTokens: Set(run.loaded.tokenizer.endOfTurnTokenIds.map(Int32.init)),
                score: { try reward.score($0, batchSize: 4) }, parameters: p, checkpoint: run.checkpoint, resume: true,
                runKey: try runKey(run, "ppo|\(rewardModel)", p)
            ) { progress in
                report(progress.iteration, progress.totalIterations, progress.description)
            }
            metrics = ["iterations": Double(r.iterations), "seconds": r.seconds, "stopped_by_time_budget": budget.ranOut ? 1 : 0]
            metrics["score_final"] = r.history.last?.meanScore
            metrics["kl_final"] = r.history.last?.meanKL
            settings = ["iterations": "\(p.iterations)", "kl_coef": "\(p.ppo.klCoef)",
                        "learning_rate": "\(p.learningRate)", "seed": "\(config.seed)", "parent": parent, "max_seconds": "\(config.ppo.maxSeconds)"]
        }
        let name = method == .auto ? "dpo" : method.rawValue
        settings["reward_model"] = rewardModel
        settings["snapshot_comparisons"] = "\(feedback.availablePairs)"
        settings["snapshot_judgments"] = "\(feedback.availableJudgments)"
        settings.merge(config.signals.manifestEntries(feedback)) { old, _ in old }
        try run.save(run.manifest(method: name, data: data, parameters: settings, metrics: metrics, full: false))
        log("\(name) \(out): saved \(run.folder.path)")
    }
}

extension JSONEncoder {
    /// Keys sorted: the same settings always encode to the same bytes (run keys).
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
