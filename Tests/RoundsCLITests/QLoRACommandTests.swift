import ArgumentParser
import Foundation
import Llama
import Testing
import Training
@testable import rounds

/// `--qlora` on every step-based training command: the tiny-llama folder's projections are
/// quantized to NF4 at load, the adapter trains on them, and each manifest records it.
@Suite(.serialized) struct QLoRACommandTests {
    @Test func sftWithQLoRALowersTheLossAndEveryCommandRecordsIt() throws {
        let (dir, tiny, policies, registry) = try JobManifestTests.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = { (name: String) in dir.appendingPathComponent(name) }
        let questions = ["Fever?", "熱が38度。", "Cough?", "めまい。"]
        try JobManifestTests.write(questions.map { ["messages": [["role": "user", "content": $0], ["role": "assistant", "content": "See a doctor."]]] },
                                   to: file("chats.jsonl"))
        try JobManifestTests.write(questions.map { ["prompt": $0, "chosen": "See a doctor today.", "rejected": "Ignore it."] }, to: file("pairs.jsonl"))
        try JobManifestTests.write(questions.enumerated().map { ["prompt": $1, "completion": $0 % 2 == 0 ? "Rest." : "No.", "label": $0 % 2 == 0] as [String: Any] },
                                   to: file("judgments.jsonl"))
        let common = ["--policies", policies, "--threads", "1", "--checkpoint-every", "0", "--chat-template", "chatml", "--qlora"]
        let lengths = ["--max-length", "100", "--max-prompt-length", "40"]

        // SFT: the validation set is the training set, so the loss on it must fall.
        let sft = try SFTCommand.parse(["--base", tiny, "--data", file("chats.jsonl").path, "--validation", file("chats.jsonl").path,
                                        "--out", "sft", "--max-length", "100", "--batch-size", "2", "--epochs", "8",
                                        "--learning-rate", "1e-2", "--warmup", "0", "--lora-rank", "4", "--lora-alpha", "8"] + common)
        #expect(sft.parameters.settings.weights.qlora)
        try sft.run()
        let sftJob = try #require(try registry.manifest("sft").job?.sft)
        #expect(sftJob.parameters.settings.weights.qlora && !sftJob.parameters.settings.weights.full)
        let before = try #require(sftJob.metrics.validationLossBefore), after = try #require(sftJob.metrics.validationLossAfter)
        #expect(after < before - 0.5, "validation loss \(before) → \(after)")
        // The policy is an ordinary LoRA policy: it loads on the fp32 base.
        #expect(try registry.manifest("sft").kind == .lora)
        #expect(try PolicyLoader.load("sft", registry: registry).model.frozenBase == nil)

        let dpo = try DPOCommand.parse(["--policy", "sft", "--data", file("pairs.jsonl").path, "--out", "dpo", "--batch-size", "2"] + lengths + common)
        try dpo.run()
        let dpoJob = try #require(try registry.manifest("dpo").job?.dpo)
        #expect(dpoJob.parameters.settings.weights.qlora && dpoJob.metrics.lossFinal.isFinite)

        let kto = try KTOCommand.parse(["--policy", "sft", "--data", file("judgments.jsonl").path, "--out", "kto", "--batch-size", "2"] + lengths + common)
        try kto.run()
        let ktoJob = try #require(try registry.manifest("kto").job?.kto)
        #expect(ktoJob.parameters.settings.weights.qlora && ktoJob.metrics.run.steps == 2)

        let reward = try RewardCommand.Train.parse(["--policy", "sft", "--pairs", file("pairs.jsonl").path, "--judgments", file("judgments.jsonl").path,
                                                    "--out", "rm", "--batch-size", "2", "--held-out-fraction", "0"] + lengths + common)
        try reward.run()
        let rewardJob = try #require(try registry.manifest("rm").job?.reward)
        #expect(rewardJob.parameters.settings.weights.qlora && rewardJob.metrics.run.steps > 0)
        // Whoever loads a reward model (the night's gates and queue scores, `rounds queue score`,
        // PPO) scores on the base it trained on: NF4 here, fp32 for one trained without --qlora.
        #expect(try RewardModel.load("rm", registry: registry).reward.model.frozenBase != nil)
        let fp32 = try RewardCommand.Train.parse(["--policy", "sft", "--pairs", file("pairs.jsonl").path, "--judgments", file("judgments.jsonl").path,
                                                  "--out", "rm-fp32", "--batch-size", "2", "--held-out-fraction", "0"] + lengths + common.dropLast())
        try fp32.run()
        #expect(try registry.manifest("rm-fp32").job?.reward?.parameters.settings.weights.qlora == false)
        #expect(try RewardModel.load("rm-fp32", registry: registry).reward.model.frozenBase == nil)
    }

    @Test func qloraWithFullIsRefused() {
        #expect(throws: (any Error).self) {
            try SFTCommand.parse(["--out", "x", "--qlora", "--full"])
        }
        #expect(throws: PolicyRun.RunError.qloraWithFull) {
            try PolicyRun(registry: PolicyRegistry(root: URL(fileURLWithPath: "/nonexistent")), policy: "base", out: "x", resume: false,
                          chatTemplate: nil, weights: .init(full: true, qlora: true))
        }
    }

    @Test func manifestsWithoutTheKeyReadAsLoRA() throws {
        let json = #"{"full": false, "lora": {"rank": 4, "alpha": 8, "dropout": 0, "targets": ["q_proj"], "seed": 0}}"#
        let weights = try JSONDecoder().decode(PolicyRun.Weights.self, from: Data(json.utf8))
        #expect(!weights.qlora && weights.lora.rank == 4)
        let again = try JSONDecoder().decode(PolicyRun.Weights.self, from: JSONEncoder().encode(PolicyRun.Weights(qlora: true)))
        #expect(again.qlora)
    }
}
