import FeedbackStore
import Foundation
import Llama
import Support
import Training

/// The training half of a nightly run: the reward model (`RewardJob`), then the policy update
/// (`DPOJob`, `KTOJob` or `PPOJob`), each over every resolved training row of the snapshot for
/// its configured epochs (or until its time budget), written to the registry as a policy whose
/// manifest records the job's parameters and metrics, the exact feedback rows it learned from
/// and how many were available. Each job checkpoints into its output folder; a restarted run
/// resumes it (the run key ties the checkpoint to this snapshot and these settings).
struct NightlyTraining {
    let registry: PolicyRegistry
    let config: NightlyConfig
    let parent: String
    let snapshot: FeedbackSnapshot
    let feedback: NightlyFeedback
    let log: (String) -> Void

    /// A job from the parent into `out`, on this snapshot, resuming what a killed run left.
    func context(_ out: String, rewardModel: String? = nil) -> JobContext {
        var context = JobContext(registry: registry, policy: parent, out: out, resume: true,
                                 data: .init(feedbackHash: snapshot.hash), log: log)
        context.annotate = { annotate(&$0, rewardModel: rewardModel) }
        return context
    }

    /// The LoRA adapter, time budget and threads of a nightly job (`qlora`: on a 4-bit base).
    func settings(maxSeconds: Double, qlora: Bool = false) -> JobSettings {
        var s = JobSettings()
        s.weights = .init(lora: LoRAConfiguration(rank: config.loraRank, alpha: config.loraAlpha, seed: config.seed), qlora: qlora)
        s.maxSeconds = maxSeconds
        s.threads = config.threads
        return s
    }

    /// A nightly trainer's run length and optimizer settings: `epochs` passes over every row
    /// it is given, a checkpoint every 4 steps.
    func steps(_ t: NightlyConfig.Trainer) -> StepParameters {
        var s = StepParameters(batchSize: t.batchSize, epochs: t.epochs, learningRate: t.learningRate, warmupSteps: t.warmupSteps)
        s.checkpointEvery = 4
        s.seed = config.seed
        return s
    }

    var pairs: JobRows<NightlyFeedback.Pair> { JobRows(examples: feedback.pairs, sources: feedback.pairSources, ids: feedback.pairIDs) }
    /// The judgments with severe-harm answers weighted `severeWeight` (`signals`).
    func judgments(severeWeight: Double) -> JobRows<NightlyFeedback.Judgment> {
        JobRows(examples: feedback.weightedJudgments(severeWeight: severeWeight), sources: feedback.judgmentSources, ids: feedback.judgmentIDs)
    }

    /// What the night adds to a job's manifest: the reward model the candidate is gated with,
    /// and how much of the snapshot the job used (rows with a preference / verdict, rows
    /// trained on, rows the reviewers left unresolved, comparisons whose answers encode alike).
    /// Reviewers whose ratings were flagged (and the weight their ratings kept) and items a
    /// lead adjudicated are recorded for the trainers that learn from ratings.
    func annotate(_ m: inout PolicyManifest, rewardModel: String?) {
        if let rewardModel { m.parameters["reward_model"] = rewardModel }
        if m.job?.ppo == nil {
            m.parameters.merge(config.signals.manifestEntries(feedback)) { old, _ in old }
            m.parameters["flagged_reviewers"] = feedback.flaggedReviewers.joined(separator: ",")
            m.parameters["flagged_weight"] = "\(feedback.flaggedWeight)"
            m.metrics["flagged_reviewers"] = Double(feedback.flaggedReviewers.count)
            m.metrics["flagged_ratings"] = Double(feedback.flaggedRatings)
            m.metrics["flagged_ratings_left_out"] = Double(feedback.flaggedLeftOut)
            m.metrics["adjudicated_comparisons"] = Double(feedback.adjudicatedPairs)
            m.metrics["adjudicated_judgments"] = Double(feedback.adjudicatedJudgments)
        }
        if let pairs = m.job?.dpo?.metrics.pairs ?? m.job?.reward?.metrics.pairs {
            m.metrics["comparisons_available"] = Double(feedback.availablePairs)
            m.metrics["comparisons_used"] = Double(m.data.comparisonIds.count)
            // A correction trains as a pair from its judgment's row.
            if m.job?.dpo != nil { m.metrics["correction_pairs_used"] = Double(m.data.judgmentIds.count) }
            m.metrics["comparisons_unresolved"] = Double(feedback.unresolvedPairIDs.count)
            m.metrics["comparisons_identical_skipped"] = Double(pairs.skipped)
        }
        if m.job?.kto != nil || m.job?.reward != nil {
            m.metrics["judgments_available"] = Double(feedback.availableJudgments)
            m.metrics["judgments_used"] = Double(m.data.judgmentIds.count)
            m.metrics["judgments_unresolved"] = Double(feedback.unresolvedJudgmentIDs.count)
        }
    }

    /// Bradley-Terry on the comparisons plus the pointwise loss on the judgments; held-out
    /// ratings (the same `evaluation.maxHeldOut` sample the gates score) measure pairwise
    /// accuracy and ROC AUC.
    func trainReward(_ out: String) throws {
        let held = feedback.heldOutSample(config)
        var p = RewardJob.Parameters()
        p.trainer.steps = steps(config.reward)
        p.settings = settings(maxSeconds: config.reward.maxSeconds, qlora: config.qlora)
        (p.maxLength, p.maxPromptLength) = (config.maxLength, config.maxPromptLength)
        p.heldOutFraction = 0  // the held-out rows are the night's held-out split
        try RewardJob.run(context(out), pairs: pairs, judgments: judgments(severeWeight: config.signals.severeHarmRewardWeight),
                          heldOut: (JobRows(examples: held.heldOutPairs, sources: held.heldOutPairSources),
                                    JobRows(examples: held.heldOutJudgments, sources: held.heldOutJudgmentSources)),
                          parameters: p)
    }

    /// The policy update by `method`; `rewardModel` is the reward model trained before it.
    func trainPolicy(_ out: String, method: NightlyConfig.Method, rewardModel: String, prompts: [[StoredMessage]]) throws {
        var context = self.context(out, rewardModel: rewardModel)
        switch method {
        case .dpo, .auto:
            var p = DPOJob.Parameters()
            p.trainer.objective = DPO.Parameters(beta: config.dpo.beta)
            p.trainer.steps = steps(config.dpo)
            p.settings = settings(maxSeconds: config.dpo.maxSeconds, qlora: config.qlora)
            (p.maxLength, p.maxPromptLength) = (config.maxLength, config.maxPromptLength)
            try DPOJob.run(context, pairs: pairs, parameters: p)
        case .kto:
            var p = KTOJob.Parameters()
            p.trainer.beta = config.kto.beta
            p.trainer.steps = steps(config.kto)
            p.settings = settings(maxSeconds: config.kto.maxSeconds, qlora: config.qlora)
            (p.maxLength, p.maxPromptLength) = (config.maxLength, config.maxPromptLength)
            try KTOJob.run(context, judgments: judgments(severeWeight: config.signals.severeHarmKTOWeight), parameters: p)
        case .ppo:
            // PPO learns from the reward model's scores, so its data are the reward model's rows.
            context.data = try registry.manifest(rewardModel).data
            var p = PPOJob.Parameters(rewardModel: rewardModel)
            p.trainer.iterations = config.ppo.iterations
            p.trainer.promptsPerIteration = config.ppo.promptsPerIteration
            p.trainer.ppo.klCoef = config.ppo.klCoef
            p.trainer.maxNewTokens = config.ppo.maxNewTokens
            p.trainer.learningRate = config.ppo.learningRate
            p.trainer.checkpointEvery = 2
            p.trainer.seed = config.seed
            p.settings = settings(maxSeconds: config.ppo.maxSeconds)
            let messages = prompts.map(NightlyFeedback.messages)
            try PPOJob.run(context, prompts: JobRows(examples: messages, sources: messages.indices.map { "prompt \($0 + 1)" }), parameters: p)
        }
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
