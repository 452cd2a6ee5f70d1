// One night of the loop benchmark and the morning after it: production answers training
// prompts (and the held-out prompts it has not answered, whose ratings the gates read), the
// simulated reviewers rate the queue, `NightlyRun` trains and gates a candidate
// and queues it against production, the reviewers rate that queue, and the clinician-mode
// decision runs. Then the production policy is measured on held-out prompts.
import FeedbackStore
import Foundation
import Generation
import Loop
import RoundsSimulation
import Support
import Tokenizer
import Training

struct LoopNight {
    let world: LoopWorld
    let config: NightlyConfig
    let root: URL
    let scorer: HeldOutScorer
    let sft: HeldOutScore
    let flip: Double
    /// Share of the answers it rates incorrect that a reviewer corrects (`TriageCorrection`).
    var corrections = 0.0
    let trainPrompts: Int
    let seed: UInt64
    let log: (String) -> Void

    /// Three simulated reviewers, each flipping `flip` of its verdicts, taking turns, with the
    /// queue's overlap (2: every item rated by two of the three), each correcting `corrections`
    /// of the answers it rates incorrect whose disposition the rule finds wrong.
    func review(_ salt: UInt64) throws -> Int {
        var review = SimulatedReview()
        review.reviewers = 3
        review.noise = flip
        review.everyReviewerFlips = true
        review.interleaved = true
        review.seed = seed &* 1_000_003 &+ salt
        review.correctionShare = corrections
        let made = try review.run(store: world.store)
        log("review: \(made.judgments) judgments (\(made.corrections) with a correction) and \(made.comparisons) comparisons by 3 simulated reviewers")
        return made.judgments + made.comparisons
    }

    func run(_ night: Int) throws -> LoopFigures.Night {
        let started = Date()
        let store = world.store, registry = world.registry
        let before = try registry.production()!.name
        log("== night \(night): production \(before)")

        // Production answers training prompts (the ones it has answered least, oldest first).
        var options = QueueSampler.Options()
        options.samplesPerPrompt = config.sampling.answersPerPrompt
        options.promptLimit = trainPrompts
        options.split = .train
        options.overlap = config.sampling.overlap
        options.sampling = SamplingParameters(temperature: config.sampling.temperature, topP: config.sampling.topP,
                                              maxNewTokens: config.sampling.maxTokens, seed: seed &+ UInt64(night))
        var chat: ChatModel?
        func loaded() throws -> ChatModel {
            if let chat { return chat }
            chat = try chatModel(before)
            return chat!
        }
        let summary = try QueueSampler(store: store).run(policy: before, chat: try loaded(), baseline: nil, options: options)
        log("sample: \(summary)")
        // And every held-out prompt it has not answered yet: the reviewers' ratings of those
        // answers are the held-out evidence the offline gates read (never trained on).
        options.split = .heldout
        options.promptLimit = nil
        let heldOut = try QueueSampler(store: store).run(policy: before, chat: try loaded(), baseline: nil, options: options)
        log("sample (held-out split, for the gates): \(heldOut)")
        let ratedBefore = try review(UInt64(2 * night))

        let outcome = try NightlyRun(store: store, registry: registry, config: config, root: root, actor: "bench", log: log).run()

        // The morning: the queued candidate-vs-production pairs (and the rest) are rated, then decided.
        let ratedAfter = try review(UInt64(2 * night + 1))
        let decisions = try ClinicianReview(store: store, registry: registry, settings: config.promotion, log: log).decide(by: "bench")
        let after = try registry.production()!.name

        let score = try scorer.score(after)
        var figure = try measure(night: night, production: score)
        figure.promoted = after != before
        figure.promoted_policy = figure.promoted ? after : nil
        if figure.promoted, let parent = try registry.manifest(after).parent {
            let parentScore = try scorer.score(parent)
            figure.parent_diff = ruleRate(score) - ruleRate(parentScore)
            figure.parent_diff_ci = [Double](PromptBootstrap(seed: seed).paired(pairedRule(score, parentScore)))
            figure.worse_than_parent = (figure.parent_diff_ci?.last ?? 0) < 0
        }
        if let candidate = outcome.candidate {
            let m = try registry.manifest(candidate)
            figure.candidate = candidate
            figure.method = m.method
            figure.gates_passed = m.metrics["gates_passed"].map { $0 > 0 }
            figure.gate_reason = m.statusReason
            (figure.rows_used, figure.rows_available) = try rows(m, run: outcome.runID)
            if candidate != after {
                let c = try scorer.score(candidate), t = c.ruleTotals
                figure.candidate_rule_rate = ruleRate(c)
                figure.candidate_rule_rate_ci = [Double](Stats.wilsonInterval(successes: t.successes, total: t.total))
                figure.candidate_rule_by_cell = c.ruleByCell(world.heldOut)
                figure.candidate_lift = ruleRate(c) - ruleRate(sft)
                figure.candidate_lift_ci = [Double](PromptBootstrap(seed: seed).paired(pairedRule(c, sft)))
                figure.candidate_validation_loss = c.validationLoss
                figure.candidate_kl = c.klToReference
            }
            if let d = decisions.first(where: { $0.candidate == candidate }) {
                figure.review = "\(d.verdict): \(d.evidence.summary)"
                figure.review_comparisons = d.evidence.comparisons
                figure.review_lower = d.evidence.lower
            }
        }
        figure.skipped = outcome.skipped
        figure.ratings_before_night = ratedBefore
        figure.ratings_after_night = ratedAfter
        figure.seconds = Date().timeIntervalSince(started)
        return figure
    }

    func ruleRate(_ s: HeldOutScore) -> Double {
        let t = s.ruleTotals
        return Double(t.successes) / Double(max(1, t.total))
    }

    /// Per triage prompt: (this policy's successes of its answers, the other's).
    func pairedRule(_ a: HeldOutScore, _ b: HeldOutScore) -> [(a: PromptBootstrap.Cluster, b: PromptBootstrap.Cluster)] {
        a.ruleSuccesses.indices.compactMap { i in
            guard let x = a.ruleSuccesses[i], let y = b.ruleSuccesses[i] else { return nil }
            return (.init(value: Double(x), count: Double(a.answers[i].count)), .init(value: Double(y), count: Double(b.answers[i].count)))
        }
    }

    func measure(night: Int, production s: HeldOutScore) throws -> LoopFigures.Night {
        let t = s.ruleTotals, r = sft.ruleTotals
        let panel = BlindPanel(noise: flip, seed: seed &+ UInt64(night))
        let wins = panel.winRate(prompts: world.heldOut.map(\.prompt), a: s, b: sft)
        return LoopFigures.Night(
            night: night, production: s.policy, rule_rate: ruleRate(s),
            rule_rate_ci: [Double](Stats.wilsonInterval(successes: t.successes, total: t.total)), rule_n: t.total,
            rule_by_cell: s.ruleByCell(world.heldOut), lift: ruleRate(s) - ruleRate(sft),
            lift_ci: [Double](PromptBootstrap(seed: seed).paired(pairedRule(s, sft))),
            lift_ci_newcombe: [Double](Stats.newcombeInterval(successes1: t.successes, total1: t.total, successes2: r.successes, total2: r.total)),
            win_rate_vs_sft: wins.rate, win_rate_vs_sft_ci: [Double](wins.interval), win_pairs: wins.pairs, win_ratings: wins.ratings,
            validation_loss: s.validationLoss, validation_loss_change: s.validationLoss / sft.validationLoss - 1,
            kl: s.klToReference, kl_reference: "sft-v1", rows_used: nil, rows_available: nil,
            promoted: false, promoted_policy: nil, worse_than_parent: false, parent_diff: nil, parent_diff_ci: nil,
            candidate: nil, method: nil, gates_passed: nil, gate_reason: nil, review: nil, review_comparisons: nil, review_lower: nil,
            candidate_rule_rate: nil, candidate_rule_rate_ci: nil, candidate_rule_by_cell: nil, candidate_lift: nil, candidate_lift_ci: nil,
            candidate_validation_loss: nil, candidate_kl: nil, skipped: nil, ratings_before_night: 0, ratings_after_night: 0, seconds: 0)
    }

    /// Feedback rows the candidate trained on and rows its trainer could use, from its manifest
    /// (`*_used` / `*_available` when the trainer records them, else its row ids against the
    /// night's snapshot).
    func rows(_ m: PolicyManifest, run: Int64?) throws -> (Int?, Int?) {
        let kinds = ["comparisons", "judgments"].filter { m.metrics["\($0)_used"] != nil }
        if !kinds.isEmpty {
            return (Int(kinds.reduce(0) { $0 + m.metrics["\($1)_used"]! }),
                    Int(kinds.reduce(0) { $0 + (m.metrics["\($1)_available"] ?? 0) }))
        }
        let used = m.data.comparisonIds.count + m.data.judgmentIds.count
        guard let run else { return (used, nil) }
        let snapshot = try world.store.trainingRunFeedback(run)
        let available = (m.data.comparisonIds.isEmpty ? 0 : snapshot.comparisonIDs.count) + (m.data.judgmentIds.isEmpty ? 0 : snapshot.judgmentIDs.count)
        return (used, available)
    }

    func chatModel(_ name: String) throws -> ChatModel {
        try PolicyLoader.chatModel(name, registry: world.registry, forSampling: true)
    }
}

extension LoopFigures.Night {
    var line: String {
        func ci(_ v: [Double]?) -> String { v.flatMap { $0.count == 2 ? String(format: "[%.3f, %.3f]", $0[0], $0[1]) : nil } ?? "[–]" }
        var s = String(format: "night %d: production %@ — rule %.3f %@ (n %d), lift %+.3f %@, win vs sft-v1 %.3f %@ (%d pairs), "
                       + "validation loss %.4f (%+.1f%%), KL to sft-v1 %.3f, rows %@/%@, promoted %@",
                       night, production, rule_rate, ci(rule_rate_ci), rule_n, lift, ci(lift_ci), win_rate_vs_sft, ci(win_rate_vs_sft_ci),
                       win_pairs, validation_loss, validation_loss_change * 100, kl,
                       rows_used.map(String.init) ?? "–", rows_available.map(String.init) ?? "–", promoted ? "yes" : "no")
        s += "\n  rule by cell: \(HeldOutScore.cellsLine(rule_by_cell))"
        if let parent_diff { s += String(format: " (vs parent %+.3f %@, worse: %@)", parent_diff, ci(parent_diff_ci), worse_than_parent ? "yes" : "no") }
        if let candidate { s += "\n  candidate \(candidate) (\(method ?? "?")): gates \(gates_passed.map { $0 ? "passed" : "failed" } ?? "?") — \(gate_reason ?? "")" }
        if let candidate_rule_rate, let candidate_lift {
            s += String(format: "\n  candidate on held-out: rule %.3f %@, lift %+.3f %@, validation loss %.4f, KL to sft-v1 %.3f", candidate_rule_rate,
                        ci(candidate_rule_rate_ci), candidate_lift, ci(candidate_lift_ci), candidate_validation_loss ?? .nan, candidate_kl ?? .nan)
            s += "\n  candidate's rule by cell: \(HeldOutScore.cellsLine(candidate_rule_by_cell))"
        }
        if let review { s += "\n  review: \(review)" }
        if let skipped { s += "\n  skipped: \(skipped)" }
        return s
    }
}
