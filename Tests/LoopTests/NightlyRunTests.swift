import FeedbackStore
import Generation
import Foundation
import Llama
import Tensor
import Testing
import Tokenizer
import Training
@testable import Loop

/// The nightly run end to end on a tiny random model that speaks SmolLM2's tokenizer and
/// chat template (so the real encoding paths run in seconds): snapshot, reward model, DPO,
/// held-out gates, promotion, the next queue, the report — and a run stopped at every stage
/// and started again finishes with nothing duplicated.
@Suite(.serialized) struct NightlyRunTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let smolLM = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    struct Interrupted: Error {}

    /// A folder with a fresh registry (base = a tiny 2-layer model with SmolLM2's tokenizer,
    /// v1 = a LoRA policy on it, promoted), a feedback database of reviewed answers, and a
    /// configuration small enough for seconds.
    struct World {
        let folder: URL
        let registry: PolicyRegistry
        let store: FeedbackStore
        var config = NightlyConfig()

        init() throws {
            guard FileManager.default.fileExists(atPath: NightlyRunTests.smolLM.path) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: NightlyRunTests.smolLM.path,
                                                            NSLocalizedDescriptionKey: "run scripts/fetch-model.sh first"])
            }
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-nightly-\(UUID().uuidString)")
            registry = PolicyRegistry(root: folder.appendingPathComponent("policies"))
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

            store = try FeedbackStore(path: folder.appendingPathComponent("feedback/rounds.sqlite").path)
            for i in 0..<24 {
                let text = i % 2 == 0 ? "胸が痛くて息が苦しいです（\(i)）。どうすればいいですか？" : "My child has had a fever for \(i) hours. What should I do?"
                try store.addPrompt(messages: [.init(role: "user", content: text)], heldOutFraction: 0.3)
            }
            config.minComparisons = 4
            config.minJudgments = 4
            config.reward = .init(steps: 2, batchSize: 2, learningRate: 1e-3)
            config.dpo = .init(steps: 3, batchSize: 2, learningRate: 1e-3)
            config.kto = .init(steps: 2, batchSize: 2, learningRate: 1e-3)
            config.loraRank = 4
            config.loraAlpha = 8
            config.maxLength = 96
            config.maxPromptLength = 64
            config.evaluation.freshPrompts = 3
            config.evaluation.freshMaxTokens = 8
            config.evaluation.validationFile = NightlyRunTests.packageRoot.appendingPathComponent("feedback/seed/sft-heldout.jsonl").path
            config.evaluation.validationExamples = 2
            config.sampling.prompts = 4
            config.sampling.answersPerPrompt = 2
            config.sampling.maxTokens = 8
            config.report = "reports/stats.html"
            config.threads = 1
            config.promotion.mode = .offline  // the gates promote; clinician mode: NightlyReviewTests
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
        // The manifest names exactly the rows DPO learned from (at most steps × batch pairs,
        // drawn from the snapshot) and the snapshot's hash.
        let snapshot = try world.store.trainingRunFeedback(id)
        let manifest = try world.registry.manifest(candidate)
        #expect(Set(manifest.data.comparisonIds).isSubset(of: snapshot.comparisonIDs))
        #expect(manifest.data.comparisonIds.count == world.config.dpo.steps * world.config.dpo.batchSize)
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
        #expect(decision.checks.count == 5)
        #expect(manifest.metrics["eval_kl"] != nil && manifest.metrics["eval_validation_loss_candidate"] != nil)
        #expect(manifest.metrics["eval_reward_candidate"] != nil)
        #expect((manifest.status == .production) == decision.promote)
        if decision.promote {
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
        #expect(try GateDecision.load(from: world.registry.folder(candidate)) == outcome.decision)
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
        #expect(config.gates.maxKL == 4 && config.method == .kto && config.gates.minPairAccuracy == 0.5 && config.dpo.steps == NightlyConfig().dpo.steps)
        // The bundled file is valid.
        _ = try NightlyConfig.load(NightlyRunTests.packageRoot.appendingPathComponent("feedback/nightly.json"))
    }

    @Test func gatesHoldOnlyWhenEveryCheckHolds() {
        var e = CandidateEvaluation()
        (e.pairAccuracy, e.heldOutPairs) = (0.75, 8)
        (e.judgmentAccuracy, e.heldOutJudgments) = (0.6, 10)
        (e.rewardCandidate, e.rewardParent, e.freshAnswers) = (0.4, 0.3, 8)
        (e.validationLossCandidate, e.validationLossParent) = (1.52, 1.50)
        e.kl = 3
        let gates = NightlyConfig.Gates()
        #expect(GateDecision(e, gates: gates).promote)
        var worse = e
        worse.validationLossCandidate = 1.6  // forgot 0.1 nats/token > 0.05
        let d = GateDecision(worse, gates: gates)
        #expect(!d.promote && d.reason.contains("forgetting"))
        var noData = e
        noData.pairAccuracy = nil
        #expect(GateDecision(noData, gates: gates).promote)
        var strict = gates
        strict.requireHeldOutData = true
        #expect(!GateDecision(noData, gates: strict).promote)
        // Ties count half in the implicit-reward accuracy.
        #expect(CandidateEvaluator.accuracy([1, -1, 0, 2]) == 0.625)
    }
}
