import FeedbackStore
import Generation
import Foundation
import Llama
@testable import RoundsSimulation
import Tensor
import Testing
import Tokenizer
import Training
@testable import Loop

/// Where `NightlyRunTests.World.template` is made (removed when the test process exits).
private let nightlyTemplateFolder = FileManager.default.temporaryDirectory
    .appendingPathComponent("rounds-nightly-template-\(ProcessInfo.processInfo.processIdentifier)").path

/// The nightly run end to end on a tiny random model that speaks SmolLM2's tokenizer and
/// chat template (so the real encoding paths run in seconds): snapshot, reward model, DPO,
/// held-out gates, promotion, the next queue, the report — and a run stopped at every stage
/// and started again finishes with nothing duplicated.
@Suite(.serialized) struct NightlyRunTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let smolLM = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    struct Interrupted: Error {}

    /// A folder with a fresh registry (a copy of `template`), a feedback database with
    /// `prompts` prompts, and a configuration small enough for seconds.
    struct World {
        let folder: URL
        let registry: PolicyRegistry
        let store: FeedbackStore
        var config = NightlyConfig()

        init(prompts: Int = 24, heldOutFraction: Double = 0.3) throws {
            guard FileManager.default.fileExists(atPath: NightlyRunTests.smolLM.path) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: NightlyRunTests.smolLM.path,
                                                            NSLocalizedDescriptionKey: "run scripts/fetch-model.sh first"])
            }
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-nightly-\(UUID().uuidString)")
            registry = PolicyRegistry(root: folder.appendingPathComponent("policies"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: try World.template.get(), to: registry.root)
            store = try FeedbackStore(path: folder.appendingPathComponent("feedback/rounds.sqlite").path)
            for i in 0..<prompts {
                let text = i % 2 == 0 ? "胸が痛くて息が苦しいです（\(i)）。どうすればいいですか？" : "My child has had a fever for \(i) hours. What should I do?"
                try store.addPrompt(messages: [.init(role: "user", content: text)], heldOutFraction: heldOutFraction)
            }
            config.minComparisons = 4
            config.minJudgments = 4
            config.reward = .init(batchSize: 4, learningRate: 1e-3)
            config.dpo = .init(batchSize: 4, learningRate: 1e-3)
            config.kto = .init(batchSize: 4, learningRate: 1e-3)
            config.loraRank = 4
            config.loraAlpha = 8
            config.maxLength = 96
            config.maxPromptLength = 64
            config.evaluation.freshPrompts = 3
            config.evaluation.freshMaxTokens = 8
            config.evaluation.validationFile = NightlyRunTests.packageRoot.appendingPathComponent("feedback/seed/sft-heldout.jsonl").path
            config.evaluation.validationExamples = 6
            // The world is small: a few units of evidence per gate (the bundled minimums are 10–20).
            config.gates.minHeldOutPairs = 3
            config.gates.minHeldOutJudgments = 3
            config.gates.minFreshAnswers = 3
            config.gates.minValidationExamples = 6
            config.gates.bootstrapRounds = 500
            config.sampling.prompts = 4
            config.sampling.answersPerPrompt = 2
            config.sampling.maxTokens = 8
            config.report = "reports/stats.html"
            config.threads = 1
            config.promotion.mode = .offline  // the gates promote; clinician mode: NightlyReviewTests
        }

        /// The registry every world starts from, made once per test process (the model and
        /// tokenizer files take seconds to write): base = a tiny 2-layer model with SmolLM2's
        /// tokenizer, v1 = a LoRA policy on it, promoted. Manifests name the base relative to
        /// the registry root, so a copy is a registry of its own.
        static let template = Result<URL, any Error> {
            atexit { try? FileManager.default.removeItem(atPath: nightlyTemplateFolder) }
            let root = URL(fileURLWithPath: nightlyTemplateFolder).appendingPathComponent("policies")
            let registry = PolicyRegistry(root: root)
            let base = registry.root.appendingPathComponent("base")
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            let model = LlamaModel(config: LlamaConfiguration(
                vocabularySize: 49152, hiddenSize: 32, intermediateSize: 64, layerCount: 2, headCount: 4, kvHeadCount: 2,
                tieWordEmbeddings: true, contextLength: 256))
            var rng = SeededRandom(seed: 7)
            for i in 0..<model.parameters.count { model.parameters.pointer[i] = rng.nextNormal() * 0.05 }
            for name in ["model.norm.weight"] + (0..<2).flatMap({ ["model.layers.\($0).input_layernorm.weight", "model.layers.\($0).post_attention_layernorm.weight"] }) {
                let w = model.parameter(name)!
                for i in w.indices { w[i] = 1 }
            }
            try model.saveHuggingFace(folder: base)
            try TokenizerExport.write(forModelAt: NightlyRunTests.smolLM, to: base)
            let v1 = try PolicyRun(registry: registry, policy: base.path, out: "v1", resume: false, chatTemplate: nil,
                                   weights: .init(lora: LoRAConfiguration(rank: 4, alpha: 8, seed: 1)))
            try v1.save(v1.manifest(method: "sft", data: .init(), parameters: [:], metrics: [:], full: false))
            try registry.promote("v1", by: "test", reason: "first policy")
            return root
        }

        /// v1 answers every prompt twice; pairs of its own answers and single answers are
        /// queued and rated by two simulated reviewers with an arbitrary but fixed rule.
        func review() throws {
            var options = QueueSampler.Options()
            options.samplesPerPrompt = 2
            options.sampling = .init(temperature: 1, maxNewTokens: 10, seed: 3)
            let loaded = try PolicyLoader.load("v1", registry: registry)
            loaded.model.mergeAdapter()
            let chat = ChatModel(model: loaded.model, tokenizer: loaded.tokenizer,
                                 template: try ChatTemplate.forTokenizer(loaded.tokenizer, override: nil))
            // Without another version, the sampler pairs v1's own answers (two per prompt).
            let summary = try QueueSampler(store: store).run(policy: "v1", chat: chat, baseline: nil, options: options)
            #expect(summary.queuedPairs == 24 && summary.queuedJudgments == 48)
            var simulation = SimulatedReview()
            simulation.noise = 0
            simulation.rule = ScriptedReviewer { _, _, answer in answer.unicodeScalars.count % 2 == 0 }
            try simulation.run(store: store)
        }

        func nightly(onStage: @escaping (NightlyRun.Stage) throws -> Void = { _ in }) throws -> NightlyRun.Outcome {
            try NightlyRun(store: store, registry: registry, config: config, root: folder, actor: "test-nightly",
                           log: { _ in }, onStage: onStage).run()
        }

        func count(_ sql: String) throws -> Int {
            try store.reader.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
        }
    }

    @Test func aNightTrainsEvaluatesPromotesQueuesAndReports() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.review()
        let outcome = try world.nightly()

        let id = try #require(outcome.runID)
        let candidate = try #require(outcome.candidate)
        let run = try #require(try world.store.trainingRun(id: id))
        #expect(run.status == .succeeded)
        #expect(run.outputPolicy == candidate)
        #expect(run.parentPolicy == "v1")
        // The manifest names exactly the rows DPO learned from: every resolved comparison of the
        // snapshot, one epoch; rows available, used and left out add up.
        let snapshot = try world.store.trainingRunFeedback(id)
        let manifest = try world.registry.manifest(candidate)
        let m = manifest.metrics
        #expect(Set(manifest.data.comparisonIds).isSubset(of: snapshot.comparisonIDs))
        let withPreference = try world.store.comparisonRecords(split: .train)
            .filter { snapshot.comparisonIDs.contains($0.id) && $0.preferencePair != nil }.count
        #expect(m["comparisons_available"] == Double(withPreference) && withPreference > 0)
        #expect(m["comparisons_used"] == Double(manifest.data.comparisonIds.count))
        #expect(manifest.data.comparisonIds.count + Int(m["comparisons_unresolved"] ?? -1) + Int(m["comparisons_identical_skipped"] ?? -1) == withPreference)
        // Both simulated reviewers apply the same rule without noise: nothing to resolve, all trained on.
        #expect(m["comparisons_unresolved"] == 0 && manifest.data.comparisonIds.count > world.config.dpo.batchSize * 3)
        let dpo = try #require(manifest.job?.dpo)
        #expect(dpo.metrics.run.epochsRun == 1 && !dpo.metrics.run.stoppedByTimeBudget)
        #expect(dpo.metrics.pairs.trained == manifest.data.comparisonIds.count && dpo.parameters.trainer.batchSize == world.config.dpo.batchSize)
        #expect(dpo.parameters.trainer.learningRate == world.config.dpo.learningRate && manifest.parameters["reward_model"] == outcome.rewardModel)
        #expect(manifest.data.judgmentIds.isEmpty)
        #expect(manifest.data.feedbackHash == snapshot.hash)
        #expect(run.feedbackHash == snapshot.hash)
        #expect(!snapshot.comparisonIDs.isEmpty && !snapshot.judgmentIDs.isEmpty)
        #expect(manifest.method == "dpo" && manifest.parent == "v1")
        // The reward model was trained on the same rows and saved like a policy.
        let reward = try world.registry.manifest(try #require(outcome.rewardModel))
        #expect(reward.method == RewardModel.method && reward.data.feedbackHash == snapshot.hash)
        #expect(Set(reward.data.judgmentIds).isSubset(of: snapshot.judgmentIDs) && !reward.data.judgmentIds.isEmpty)
        // Every gate was evaluated or says why not, and the registry agrees with the decision.
        let decision = try #require(outcome.decision)
        #expect(decision.gates.map(\.name) == ["pair accuracy", "judgment accuracy", "reward preference", "forgetting", "KL to parent"])
        #expect(decision.gates.allSatisfy { $0.n >= $0.minimumN ? $0.lower != nil && $0.upper != nil : !$0.passed })
        #expect(manifest.metrics["eval_kl"] != nil && manifest.metrics["eval_validation_loss_candidate"] != nil)
        #expect(manifest.metrics["eval_reward_candidate"] != nil && manifest.metrics["eval_reward_preference"] != nil)
        #expect((manifest.status == .production) == decision.passes)
        if decision.passes {
            #expect(try world.registry.manifest("v1").status == .retired)
            #expect(manifest.history.last?.by == "test-nightly")
        } else {
            #expect(manifest.statusReason?.contains("kept as candidate") == true)
        }
        // The morning's queue: the candidate's answers to the first training prompts, paired with v1's.
        let candidateAnswers = try world.count("SELECT COUNT(*) FROM samples s JOIN policies p ON p.id = s.policy_id JOIN prompts q ON q.id = s.prompt_id WHERE p.name = '\(candidate)' AND q.split = 'train'")
        #expect(candidateAnswers == world.config.sampling.prompts * world.config.sampling.answersPerPrompt)
        #expect(outcome.queued.last?.queuedPairs ?? 0 > 0)
        let report = try #require(outcome.report)
        #expect(try String(contentsOf: report, encoding: .utf8).contains("<html"))

        // Nothing new since: a second night trains nothing and says why.
        let again = try world.nightly()
        #expect(again.runID == nil && again.skipped != nil)
        #expect(try world.store.trainingRuns(kind: NightlyRun.kind).count == 1)
    }

    @Test func aRunStoppedAtAnyStageFinishesWithoutDuplicates() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.review()
        // Stop before each stage in turn; every restart continues the same run.
        for stop in NightlyRun.Stage.allCases {
            var stopped = false
            #expect(throws: Interrupted.self) {
                _ = try world.nightly { stage in
                    if stage == stop, !stopped { stopped = true; throw Interrupted() }
                }
            }
        }
        let outcome = try world.nightly()
        let runs = try world.store.trainingRuns(kind: NightlyRun.kind)
        #expect(runs.count == 1 && runs[0].status == .succeeded && outcome.runID == runs[0].id)
        let policies = try world.registry.list().map(\.name).sorted()
        #expect(policies == ["nightly-\(runs[0].id!)", "nightly-\(runs[0].id!)-rm", "v1"])
        // No prompt has more answers from a policy than asked for, and no item is queued twice.
        let candidate = try #require(outcome.candidate)
        let most = try world.count("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM samples s JOIN policies p ON p.id = s.policy_id WHERE p.name = '\(candidate)' GROUP BY s.prompt_id)")
        #expect(most == world.config.sampling.answersPerPrompt)
        #expect(try world.count("SELECT COUNT(*) FROM (SELECT sample_id, other_sample_id FROM review_items GROUP BY kind, sample_id, other_sample_id HAVING COUNT(*) > 1)") == 0)
        #expect(!FileManager.default.fileExists(atPath: world.registry.folder(candidate).appendingPathComponent(PolicyFiles.checkpoint).path))
        let report = try #require(try GateReport.load(from: world.registry.folder(candidate)))
        #expect(report == outcome.decision)
        // The report says how its KL was computed.
        #expect(!report.evaluation.kl.isEmpty && report.evaluation.klEstimator == CandidateEvaluation.exactKL)
        #expect(report.description.contains("KL to parent: " + CandidateEvaluation.exactKL))
    }

    /// A gate report written before the estimator was recorded (its `kl` the log-ratio k1) still
    /// reads, and its table says its KL is the log-ratio, not the exact divergence.
    @Test func anOlderGateReportSaysItsKLIsTheLogRatio() throws {
        var e = CandidateEvaluation()
        e.kl = [-0.3, 0.1, -0.2]
        e.klEstimator = CandidateEvaluation.exactKL
        var gates = NightlyConfig.Gates()
        gates.minFreshAnswers = 3
        let report = GateReport(candidate: "c", parent: "p", evaluation: e, gates: gates, seed: 1)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try report.save(to: folder)
        let url = folder.appendingPathComponent(GateReport.fileName)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var evaluation = try #require(json["evaluation"] as? [String: Any])
        #expect(evaluation["klEstimator"] as? String == CandidateEvaluation.exactKL)
        evaluation["klEstimator"] = nil
        json["evaluation"] = evaluation
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let old = try #require(try GateReport.load(from: folder))
        #expect(old.evaluation.klEstimator == nil && old.evaluation.kl == e.kl)
        #expect(old.description.contains("KL to parent: the log-ratio log π(y) − log π_parent(y) (k1)"))
        #expect(!old.description.contains(CandidateEvaluation.exactKL))
    }

    @Test func aSecondRunWaitsForTheFirst() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let lock = try NightlyLock(path: world.registry.root.appendingPathComponent(".nightly.lock").path)
        #expect(throws: NightlyLock.LockError.self) { _ = try world.nightly() }
        lock.release()
        let outcome = try world.nightly()  // nothing rated yet: nothing to train, but it runs
        #expect(outcome.skipped?.contains("not enough new feedback") == true)
    }

    @Test func configurationErrorsNameTheKey() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nightly-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"gates": {"minPairAcuracy": 0.6}}"#.utf8).write(to: url)
        do {
            _ = try NightlyConfig.load(url)
            Issue.record("a misspelt key was accepted")
        } catch let NightlyConfig.ConfigError.unknownKey(path, key, known) {
            #expect(path == url.path && key == "gates.minPairAcuracy" && known.contains("gates.minPairAccuracy"))
        }
        try Data(#"{"dpo": {"steps": 0}, "gates": {"maxKL": 4}}"#.utf8).write(to: url)
        #expect(throws: NightlyConfig.ConfigError.self) { try NightlyConfig.load(url) }
        try Data(#"{"gates": {"maxKL": 4}, "method": "kto"}"#.utf8).write(to: url)
        let config = try NightlyConfig.load(url)
        #expect(config.gates.maxKL == 4 && config.method == .kto && config.gates.minPairAccuracy == 0.5 && config.dpo.epochs == NightlyConfig().dpo.epochs)
        // The reward gate's old key (a threshold in reward units) is refused with what replaced it;
        // its replacement is a probability.
        try Data(#"{"gates": {"minRewardGain": -0.1}}"#.utf8).write(to: url)
        #expect(throws: NightlyConfig.ConfigError.replacedKey(path: url.path, key: "gates.minRewardGain",
                                                               replacement: NightlyConfig.replacedKeys["gates.minRewardGain"]!)) {
            try NightlyConfig.load(url)
        }
        #expect(NightlyConfig.replacedKeys["gates.minRewardGain"]!.contains("gates.minRewardPreference"))
        try Data(#"{"gates": {"minRewardPreference": -0.1}}"#.utf8).write(to: url)
        #expect(throws: NightlyConfig.ConfigError.invalid(path: url.path, field: "gates.minRewardPreference", reason: "must be between 0 and 1")) {
            try NightlyConfig.load(url)
        }
        // Settings a nightly run stored before the reward gate was renamed still decode (the run
        // resumes with the new gate's default).
        var stored = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(NightlyConfig())) as? [String: Any])
        var storedGates = try #require(stored["gates"] as? [String: Any])
        storedGates["minRewardPreference"] = nil
        storedGates["minRewardGain"] = -0.1
        stored["gates"] = storedGates
        #expect(try JSONDecoder().decode(NightlyConfig.self, from: JSONSerialization.data(withJSONObject: stored)) == NightlyConfig())
        // A minimum of evidence the evaluation can never reach is refused, naming both fields.
        try Data(#"{"gates": {"minHeldOutPairs": 100}, "evaluation": {"maxHeldOut": 50}}"#.utf8).write(to: url)
        do {
            _ = try NightlyConfig.load(url)
            Issue.record("an unreachable minimum n was accepted")
        } catch let NightlyConfig.ConfigError.invalid(_, field, reason) {
            #expect(field == "gates.minHeldOutPairs" && reason.contains("evaluation.maxHeldOut"))
        }
        // The bundled file is valid and states the defaults (their one home is NightlyConfig).
        let bundled = try NightlyConfig.load(NightlyRunTests.packageRoot.appendingPathComponent("feedback/nightly.json"))
        #expect(bundled == NightlyConfig())
    }

    @Test func gatesHoldOnlyWhenEveryCheckHoldsOnItsBound() {
        var e = CandidateEvaluation()
        e.pairMargins = (0..<30).map { $0 < 27 ? 1.0 : -1.0 }           // 27/30: Wilson [0.74, 0.97]
        e.judgmentMargins = (0..<30).map { $0 < 25 ? 0.5 : -0.5 }      // 25/30: Wilson [0.66, 0.93]
        e.rewardGains = (0..<12).map { 0.1 + 0.01 * Double($0 % 3) }
        e.kl = (0..<12).map { 2 + Double($0 % 4) }
        e.validationLossIncrease = (0..<24).map { 0.2 * Double($0 % 3 - 1) }   // mean 0 nats per example
        e.validationTokens = [Double](repeating: 40, count: 24)
        let gates = NightlyConfig.Gates()
        let good = GateReport(candidate: "c", parent: "p", evaluation: e, gates: gates, seed: 1)
        #expect(good.passes, "\(good)")
        let pair = good.gates[0]
        #expect(pair.n == 30 && pair.estimate == 0.9 && abs(pair.lower! - 0.7438) < 1e-3 && abs(pair.upper! - 0.9654) < 1e-3)
        // Reproducible: the bootstrap is seeded.
        #expect(GateReport(candidate: "c", parent: "p", evaluation: e, gates: gates, seed: 1) == good)

        // A point estimate above the threshold is not enough: 12 of 20 (0.6) has a lower bound of 0.39.
        var weak = e
        weak.pairMargins = (0..<20).map { $0 < 12 ? 1.0 : -1.0 }
        let w = GateReport(candidate: "c", parent: "p", evaluation: weak, gates: gates, seed: 1)
        #expect(!w.passes && w.gates[0].estimate! > 0.5 && !w.gates[0].passed && w.reason.contains("pair accuracy"))
        // …and the gate says how far the evidence is from deciding: 20 · ((0.6 − 0.3866) / 0.1)² = 91.09 → 92.
        #expect(w.gates[0].reason.hasSuffix("(the estimate is on the passing side; about 92 held-out comparisons would decide it if it held — an estimate)"))
        // An estimate at the threshold needs more than ten times the evidence (20 · (0.018 / 0.001)² = 6480): said in words.
        #expect(GateReport.wouldDecide(n: 20, estimate: 0.049, bound: 0.067, threshold: 0.05, unit: "SFT validation examples")
                == " (the estimate is on the passing side but within 0.001 of the threshold: more SFT validation examples would hardly decide it)")
        // No such estimate when the estimate itself is on the failing side (7 of 20).
        weak.pairMargins = (0..<20).map { $0 < 7 ? 1.0 : -1.0 }
        #expect(!GateReport(candidate: "c", parent: "p", evaluation: weak, gates: gates, seed: 1).gates[0].reason.contains("would decide"))

        // Forgetting decides on the upper bound: a mean increase of 0.04 nats/token (under 0.05)
        // whose interval reaches past 0.05 fails.
        var noisy = e
        noisy.validationLossIncrease = (0..<24).map { 40 * (0.04 + ($0 % 2 == 0 ? 0.05 : -0.05)) }
        let f = GateReport(candidate: "c", parent: "p", evaluation: noisy, gates: gates, seed: 1).gates[3]
        #expect(abs(f.estimate! - 0.04) < 1e-9 && f.upper! > 0.05 && !f.passed)

        // Too little evidence fails and says so; a minimum of 0 switches a gate off.
        var few = e
        few.judgmentMargins = [1, 1, 1]
        let r = GateReport(candidate: "c", parent: "p", evaluation: few, gates: gates, seed: 1)
        #expect(!r.passes && r.gates[1].reason == "not enough evidence (n=3, need ≥ 20 held-out judgments)")
        few.judgmentMargins = []
        var off = gates
        off.minHeldOutJudgments = 0
        #expect(GateReport(candidate: "c", parent: "p", evaluation: few, gates: off, seed: 1).passes)
        // A candidate whose scores overflowed fails rather than passing on NaN comparisons.
        var broken = e
        broken.kl[0] = .nan
        #expect(!GateReport(candidate: "c", parent: "p", evaluation: broken, gates: gates, seed: 1).gates[4].passed)
        // The reward gate reads the reward model's preference σ(r_candidate − r_parent): half
        // the prompts at a gain of ln 3 (σ = 0.75), half at 0 (σ = 0.5), mean 0.625 on any bootstrap.
        var preferred = e
        preferred.rewardGains = (0..<24).map { $0 % 2 == 0 ? log(3.0) : 0 }
        let p = GateReport(candidate: "c", parent: "p", evaluation: preferred, gates: gates, seed: 1).gates[2]
        #expect(p.name == "reward preference" && p.n == 24 && abs(p.estimate! - 0.625) < 1e-12 && p.passed)
        #expect(p.lower! >= 0.5 - 1e-12 && p.upper! <= 0.75 + 1e-12)
        // The reward model prefers the parent's answer 3:1 on every prompt (σ = 0.25 < 0.35): fails,
        // and so it does on a reward model whose scores are ten times wider (σ(−10 ln 3) ≈ 0).
        preferred.rewardGains = [Double](repeating: -log(3.0), count: 24)
        let q = GateReport(candidate: "c", parent: "p", evaluation: preferred, gates: gates, seed: 1).gates[2]
        #expect(abs(q.estimate! - 0.25) < 1e-12 && !q.passed && q.reason.contains("lower bound < 0.3500"))
        preferred.rewardGains = preferred.rewardGains.map { 10 * $0 }
        #expect(!GateReport(candidate: "c", parent: "p", evaluation: preferred, gates: gates, seed: 1).gates[2].passed)
        // Ties count half in the implicit-reward accuracy.
        #expect(CandidateEvaluator.accuracy([1, -1, 0, 2]) == 0.625)
    }
}
