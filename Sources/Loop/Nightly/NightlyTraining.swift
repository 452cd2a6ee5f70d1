import FeedbackStore
import Foundation
import Llama
import Support
import Training

/// The training half of a nightly run: the reward model, then the policy update (DPO, KTO
/// or PPO), each written to the registry as a policy whose manifest names the exact feedback
/// rows it learned from. Each trainer checkpoints into its output folder; a restarted run
/// resumes it (the run key ties the checkpoint to this snapshot and these settings).
struct NightlyTraining {
    let registry: PolicyRegistry
    let config: NightlyConfig
    let parent: String
    let snapshot: FeedbackSnapshot
    let feedback: NightlyFeedback
    let log: (String) -> Void

    /// The rows a trainer learned from (`used`: the subset it was given) and the hash of the
    /// whole snapshot they were drawn from (its rows are in `training_run_feedback`).
    func trainingData(_ used: NightlyFeedback) -> PolicyManifest.TrainingData {
        .init(judgmentIds: used.judgmentIDs, comparisonIds: used.pairIDs, feedbackHash: snapshot.hash)
    }

    /// The examples one trainer gets: `steps × batch` of each kind at most.
    func feedback(for t: NightlyConfig.Trainer) -> NightlyFeedback {
        feedback.limited(pairs: t.steps * t.batchSize, judgments: t.steps * t.batchSize, seed: config.seed)
    }

    func start(_ out: String) throws -> PolicyRun {
        try PolicyRun(registry: registry, policy: parent, out: out, resume: true, chatTemplate: nil,
                      weights: .init(lora: LoRAConfiguration(rank: config.loraRank, alpha: config.loraAlpha, seed: config.seed)))
    }

    func runKey(_ run: PolicyRun, _ what: String, _ settings: some Encodable) throws -> String {
        let json = String(decoding: try JSONEncoder.sorted.encode(settings), as: UTF8.self)
        return run.runKey(files: [:], options: "nightly|\(what)|\(snapshot.hash)|\(json)|\(config.loraRank)|\(config.loraAlpha)|\(config.maxLength)|\(config.maxPromptLength)")
    }

    /// A nightly trainer's run length and optimizer settings: `steps` optimizer steps (as many
    /// epochs as it takes), a checkpoint every 4.
    func steps(_ t: NightlyConfig.Trainer) -> StepParameters {
        var s = StepParameters(batchSize: t.batchSize, epochs: t.steps, learningRate: t.learningRate, warmupSteps: t.warmupSteps)
        s.maxSteps = t.steps
        s.checkpointEvery = 4
        s.seed = config.seed
        return s
    }

    /// A progress line per step on a terminal, a log line per step otherwise.
    func reporter(_ label: String) -> (_ step: Int, _ total: Int, _ line: String) -> Void {
        let reporter = ProgressReporter(label, total: 1, unit: "steps")
        return { step, total, line in
            reporter.retotal(total)
            reporter.update(step)
            if !reporter.interactive || step == total { log(line) }
        }
    }

    func parameters(_ t: NightlyConfig.Trainer, extra: [String: String]) -> [String: String] {
        var p = extra
        p["steps"] = "\(t.steps)"
        p["batch_size"] = "\(t.batchSize)"
        p["learning_rate"] = "\(t.learningRate)"
        p["lora_rank"] = "\(config.loraRank)"
        p["lora_alpha"] = "\(config.loraAlpha)"
        p["seed"] = "\(config.seed)"
        p["parent"] = parent
        return p
    }

    /// Bradley-Terry on the comparisons plus the pointwise loss on the judgments; held-out
    /// ratings (the same `evaluation.maxHeldOut` sample the gates score) measure pairwise
    /// accuracy and ROC AUC.
    func trainReward(_ out: String) throws {
        let run = try start(out)
        let used = feedback(for: config.reward)
        let heldOutFeedback = feedback.heldOutSample(config)
        var encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
        let train = RewardTrainer.Data(pairs: try encoder.encode(pairs: used.pairs, sources: used.pairSources),
                                       judgments: try encoder.encode(examples: used.judgments, sources: used.judgmentSources))
        let heldOut = RewardTrainer.Data(
            pairs: try encoder.encode(pairs: heldOutFeedback.heldOutPairs, sources: heldOutFeedback.heldOutPairSources),
            judgments: try encoder.encode(examples: heldOutFeedback.heldOutJudgments, sources: heldOutFeedback.heldOutJudgmentSources))
        log(run.encodingSummary(encoder, count: train.pairs.count + train.judgments.count, what: "comparisons and judgments for the reward model"))
        var p = RewardTrainer.Parameters()
        p.steps = steps(config.reward)
        let head = ScalarHead(width: run.model.config.hiddenSize, seed: config.seed ^ 0x4EAD)
        let reward = try RewardModel(model: run.model, head: head)
        let report = reporter("reward model \(out)")
        let result = try RewardTrainer.train(reward: reward, train: train, heldOut: heldOut, parameters: p, checkpoint: run.checkpoint,
                                             resume: true, runKey: try runKey(run, "reward", p)) { progress in
            report(progress.step, progress.totalSteps, progress.description)
            return true
        }
        var metrics: [String: Double] = ["loss_final": result.finalLoss, "steps": Double(result.steps), "seconds": result.seconds]
        metrics["heldout_pair_accuracy"] = result.heldOutAfter?.pairwiseAccuracy
        metrics["heldout_roc_auc"] = result.heldOutAfter?.rocAUC
        try run.save(run.manifest(method: RewardModel.method, data: trainingData(used), parameters: parameters(config.reward, extra: [:]),
                                  metrics: metrics, full: false), head: head)
        log("reward model \(out): \(result.steps) steps, held-out \(result.heldOutAfter?.description ?? "n/a (no held-out ratings)")")
    }

    /// The policy update by `method`; `rewardModel` is the reward model trained before it.
    func trainPolicy(_ out: String, method: NightlyConfig.Method, rewardModel: String, prompts: [[StoredMessage]]) throws {
        let run = try start(out)
        var metrics: [String: Double]
        var settings: [String: String]
        let used: NightlyFeedback
        switch method {
        case .dpo, .auto:
            used = feedback(for: config.dpo).limited(pairs: .max, judgments: 0, seed: 0)
            var encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
            let pairs = try encoder.encode(pairs: used.pairs, sources: used.pairSources)
            log(run.encodingSummary(encoder, count: pairs.count, what: "preference pairs"))
            var p = DPOTrainer.Parameters()
            p.objective = DPO.Parameters(beta: config.dpo.beta)
            p.steps = steps(config.dpo)
            let report = reporter("dpo \(out)")
            let r = try DPOTrainer.train(model: run.model, pairs: pairs, parameters: p, checkpoint: run.checkpoint, resume: true,
                                         runKey: try runKey(run, "dpo", p), referenceProgress: run.referenceReporter()) { progress in
                report(progress.step, progress.totalSteps, progress.description)
                return true
            }
            metrics = ["loss_final": r.finalLoss, "steps": Double(r.steps), "seconds": r.seconds, "reference_seconds": r.referenceSeconds]
            metrics["rewards_accuracies"] = r.finalMetrics?.rewardsAccuracies
            metrics["rewards_margins"] = r.finalMetrics?.rewardsMargins
            settings = parameters(config.dpo, extra: ["beta": "\(config.dpo.beta)", "loss": "sigmoid", "pairs": "\(pairs.count)"])
        case .kto:
            used = feedback(for: config.kto).limited(pairs: 0, judgments: .max, seed: 0)
            var encoder = run.encoder(maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
            let examples = try encoder.encode(examples: used.judgments, sources: used.judgmentSources)
            log(run.encodingSummary(encoder, count: examples.count, what: "judged answers"))
            var p = KTOTrainer.Parameters()
            p.beta = config.kto.beta
            p.steps = steps(config.kto)
            let report = reporter("kto \(out)")
            let r = try KTOTrainer.train(model: run.model, examples: examples, parameters: p, checkpoint: run.checkpoint, resume: true,
                                         runKey: try runKey(run, "kto", p), referenceProgress: run.referenceReporter()) { progress in
                report(progress.step, progress.totalSteps, progress.description)
                return true
            }
            metrics = ["loss_final": r.finalLoss, "steps": Double(r.steps), "seconds": r.seconds, "reference_seconds": r.referenceSeconds,
                       "desirable_weight": r.objective.desirableWeight, "undesirable_weight": r.objective.undesirableWeight]
            settings = parameters(config.kto, extra: ["beta": "\(config.kto.beta)", "examples": "\(examples.count)"])
        case .ppo:
            // PPO learns from the reward model's scores, so its data are the reward model's rows.
            used = feedback(for: config.reward)
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
            let report = reporter("ppo \(out)")
            let r = try PPOTrainer.train(
                policy: run.model, valueHead: ScalarHead(width: run.model.config.hiddenSize, seed: config.seed ^ 0x7A1),
                prompts: promptIDs, endTokens: Set(run.loaded.tokenizer.endOfTurnTokenIds.map(Int32.init)),
                score: { try reward.score($0, batchSize: 4) }, parameters: p, checkpoint: run.checkpoint, resume: true,
                runKey: try runKey(run, "ppo|\(rewardModel)", p)
            ) { progress in
                report(progress.iteration, progress.totalIterations, progress.description)
                return true
            }
            metrics = ["iterations": Double(r.iterations), "seconds": r.seconds]
            metrics["score_final"] = r.history.last?.meanScore
            metrics["kl_final"] = r.history.last?.meanKL
            settings = ["iterations": "\(p.iterations)", "kl_coef": "\(p.ppo.klCoef)", "reward_model": rewardModel,
                        "learning_rate": "\(p.learningRate)", "seed": "\(config.seed)", "parent": parent]
        }
        let name = method == .auto ? "dpo" : method.rawValue
        settings["snapshot_comparisons"] = "\(feedback.pairs.count)"
        settings["snapshot_judgments"] = "\(feedback.judgments.count)"
        try run.save(run.manifest(method: name, data: trainingData(used), parameters: settings, metrics: metrics, full: false))
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
