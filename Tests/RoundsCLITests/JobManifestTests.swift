import Foundation
import Support
import Testing
import Training
@testable import rounds

/// Each training command runs its job briefly on the tiny-llama fixture; the manifest read back
/// from disk says what ran: the parameters the command built (learning rate, batch, LoRA shape),
/// the steps those imply for the data given, the data rows and files, and the job's metrics.
@Suite(.serialized) struct JobManifestTests {
    static func write(_ objects: [[String: Any]], to url: URL) throws {
        let lines = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    /// A temporary folder (removed by the caller) with the tiny model and an empty policy registry.
    static func workspace() throws -> (dir: URL, tiny: String, policies: String, registry: PolicyRegistry) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-jobs-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let policies = dir.appendingPathComponent("policies").path
        return (dir, try SFTResumeTests.tinyModel(in: dir).path, policies, PolicyRegistry(root: URL(fileURLWithPath: policies)))
    }

    @Test func eachMethodsManifestRecordsWhatRan() throws {
        let (dir, tiny, policies, registry) = try JobManifestTests.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = { (name: String) in dir.appendingPathComponent(name) }
        let questions = ["Fever?", "熱が38度。", "Cough?", "めまい。", "Rash?", "Chest pain?"]
        try Self.write(questions.enumerated().map { ["messages": [["role": "user", "content": $1], ["role": "assistant", "content": "See a doctor."]],
                                                      "category": $0 < 2 ? "triage" : "other"] },
                       to: file("chats.jsonl"))
        try Self.write(questions.prefix(4).map { ["prompt": $0, "chosen": "See a doctor today.", "rejected": "Ignore it."] }, to: file("pairs.jsonl"))
        try Self.write(questions.prefix(4).enumerated().map { ["prompt": $1, "completion": $0 % 2 == 0 ? "Rest." : "No.", "label": $0 % 2 == 0] as [String: Any] },
                       to: file("judgments.jsonl"))
        try Self.write(questions.prefix(2).map { ["prompt": $0] }, to: file("prompts.jsonl"))
        let common = ["--policies", policies, "--threads", "1", "--checkpoint-every", "0"]
        let lengths = ["--max-length", "100", "--max-prompt-length", "40"]
        func hash(_ name: String) throws -> String { try SHA256.hex(fileAt: file(name)) }

        // SFT: 6 chats, the 2 triage ones seen twice, none held out, batches of 2, one epoch: 4 steps at the rate given.
        let sft = try SFTCommand.parse(["--base", tiny, "--data", file("chats.jsonl").path, "--out", "sft", "--chat-template", "chatml",
                                        "--max-length", "100", "--held-out-fraction", "0", "--batch-size", "2", "--epochs", "1",
                                        "--learning-rate", "1e-3", "--warmup", "0", "--lora-rank", "4", "--lora-alpha", "8",
                                        "--repeat", "triage=2"] + common)
        try sft.run()
        let sftManifest = try registry.manifest("sft")
        let sftJob = try #require(sftManifest.job?.sft)
        #expect(sftManifest.method == "sft" && sftJob.parameters == sft.parameters)
        #expect(sftJob.parameters.trainer.learningRate == 1e-3 && sftJob.parameters.trainer.batchSize == 2)
        #expect(sftJob.parameters.settings.weights.lora.rank == 4 && sftJob.parameters.settings.chatTemplate == "chatml")
        #expect(sftJob.parameters.categoryRepeats == ["triage": 2])
        #expect(sftJob.metrics.run.steps == 4 && sftJob.metrics.run.epochsRun == 1 && !sftJob.metrics.run.stoppedByTimeBudget)
        #expect(sftJob.metrics.trainExamples == 8 && sftJob.metrics.validationExamples == 0 && sftJob.metrics.trainLossFinal.isFinite)
        #expect(sftManifest.data.files == [file("chats.jsonl").path: try hash("chats.jsonl")])
        #expect(sftManifest.parameters.isEmpty && sftManifest.metrics.isEmpty)
        // A category no line has stops the run before training, naming the file and the categories there are.
        let typo = try SFTCommand.parse(["--base", tiny, "--data", file("chats.jsonl").path, "--out", "sft-typo", "--chat-template", "chatml",
                                         "--repeat", "triag=2"] + common)
        do { try typo.run(); Issue.record("--repeat triag=2 ran") } catch {
            let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            #expect(text.contains("chats.jsonl") && text.contains("'triag'") && text.contains("other, triage"), "\(text)")
        }
        #expect(!registry.contains("sft-typo"))

        // DPO from sft at the default rate: 4 pairs in batches of 2 = 2 steps; sft's rank-4 adapter is trained on.
        let dpo = try DPOCommand.parse(["--policy", "sft", "--data", file("pairs.jsonl").path, "--out", "dpo", "--batch-size", "2",
                                        "--chat-template", "chatml"] + lengths + common)
        try dpo.run()
        let dpoJob = try #require(try registry.manifest("dpo").job?.dpo)
        #expect(dpoJob.parameters.trainer.learningRate == DPOTrainer.Parameters.learningRates.lora && dpoJob.parameters.trainer.learningRate == 5e-5)
        #expect(dpoJob.parameters.trainer.batchSize == 2 && dpoJob.parameters.maxLength == 100 && dpoJob.parameters.maxPromptLength == 40)
        #expect(dpo.parameters.settings.weights.lora.rank == 16 && dpoJob.parameters.settings.weights.lora.rank == 4)
        #expect(dpoJob.metrics.run.steps == 2 && dpoJob.metrics.pairs == RowCounts(given: 4, skipped: 0, trained: 4))
        #expect(dpoJob.metrics.final?.rewardsAccuracies != nil && dpoJob.metrics.lossFinal.isFinite)
        #expect(try registry.manifest("dpo").parent == "sft" && registry.manifest("dpo").data.files[file("pairs.jsonl").path] == hash("pairs.jsonl"))

        // KTO: 4 judgments (2 correct) in batches of 2 = 2 steps; balanced weights λ_D·n_D = λ_U·n_U.
        let kto = try KTOCommand.parse(["--policy", "sft", "--data", file("judgments.jsonl").path, "--out", "kto", "--batch-size", "2",
                                        "--learning-rate", "2e-4", "--chat-template", "chatml"] + lengths + common)
        try kto.run()
        let ktoJob = try #require(try registry.manifest("kto").job?.kto)
        #expect(ktoJob.parameters.trainer.learningRate == 2e-4 && ktoJob.parameters.trainer.batchSize == 2)
        #expect(ktoJob.metrics.run.steps == 2 && ktoJob.metrics.judgments.given == 4 && ktoJob.metrics.judgments.trained == 4)
        #expect(ktoJob.metrics.desirable == 2 && ktoJob.metrics.desirableWeight == ktoJob.metrics.undesirableWeight)

        // Reward model: a quarter of each file held out (every 4th row), 3 + 3 trained in batches of 2 = 2 steps.
        let reward = try RewardCommand.Train.parse(["--policy", "sft", "--pairs", file("pairs.jsonl").path, "--judgments",
                                                    file("judgments.jsonl").path, "--out", "rm", "--batch-size", "2",
                                                    "--held-out-fraction", "0.25", "--chat-template", "chatml"] + lengths + common)
        try reward.run()
        let rm = try registry.manifest("rm")
        let rewardJob = try #require(rm.job?.reward)
        #expect(rm.method == RewardModel.method && rewardJob.parameters.trainer.learningRate == 1e-4)
        #expect(rewardJob.metrics.run.steps == 2 && rewardJob.metrics.pairs.given == 3 && rewardJob.metrics.judgments.given == 3)
        #expect(rewardJob.metrics.heldOutPairs == 1 && rewardJob.metrics.heldOutJudgments == 1 && rewardJob.metrics.heldOutAfter != nil)
        #expect(rm.data.files.count == 2)

        // PPO against it: one iteration over both prompts at the default rate 1e-5.
        let ppo = try PPOCommand.parse(["--policy", "sft", "--reward-model", "rm", "--prompts", file("prompts.jsonl").path, "--out", "ppo",
                                        "--iterations", "1", "--prompts-per-iteration", "2", "--max-new-tokens", "4", "--minibatch-size", "2",
                                        "--ppo-epochs", "1", "--chat-template", "chatml"] + common)
        try ppo.run()
        let ppoJob = try #require(try registry.manifest("ppo").job?.ppo)
        #expect(ppoJob.parameters.trainer.learningRate == 1e-5 && ppoJob.parameters.rewardModel == "rm")
        #expect(ppoJob.parameters.trainer.iterations == 1 && ppoJob.parameters.trainer.minibatchSize == 2)
        #expect(ppoJob.metrics.iterations == 1 && ppoJob.metrics.prompts == 2 && ppoJob.metrics.scoreFinal != nil)
    }

    /// Manifests written before jobs were recorded (training parameters as strings) still read.
    @Test func aManifestWithoutAJobRecordStillReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-legacy-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("old"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let legacy = """
            {"base":{"path":"base","sha256":"ab"},"createdAt":"2026-11-30T02:00:00Z","data":{"comparisonIds":[3],"feedbackHash":"f",
            "files":{},"judgmentIds":[]},"history":[],"kind":"lora","method":"dpo","metrics":{"loss_final":0.6,"steps":4},
            "name":"old","parameters":{"beta":"0.1","learning_rate":"5e-05"},"parent":"sft-v1","status":"candidate"}
            """
        try Data(legacy.utf8).write(to: dir.appendingPathComponent("old/manifest.json"))
        let manifest = try PolicyRegistry(root: dir).manifest("old")
        #expect(manifest.job == nil && manifest.parameters["learning_rate"] == "5e-05" && manifest.metrics["steps"] == 4)
        #expect(manifest.data.comparisonIds == [3] && manifest.parent == "sft-v1")
    }
}
