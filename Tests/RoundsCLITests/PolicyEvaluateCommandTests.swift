import FeedbackStore
import Foundation
import Llama
import Loop
import Tensor
import Testing
import Tokenizer
import Training
@testable import rounds

/// `rounds policy evaluate`: the built binary runs the offline gates on a registry and a
/// feedback database made here, and prints the decision as a table or as JSON.
@Suite(.serialized) struct PolicyEvaluateCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let smolLM = root.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    /// Runs `rounds` with `arguments`; returns the exit status, standard output and standard error.
    static func rounds(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = try SFTResumeTests.executable()
        process.arguments = arguments
        let files = (0..<2).map { FileManager.default.temporaryDirectory.appendingPathComponent("rounds-evaluate-\($0)-\(UUID()).txt") }
        for f in files { _ = FileManager.default.createFile(atPath: f.path, contents: nil) }
        defer { for f in files { try? FileManager.default.removeItem(at: f) } }
        let handles = try files.map { try FileHandle(forWritingTo: $0) }
        process.standardOutput = handles[0]
        process.standardError = handles[1]
        try process.run()
        process.waitUntilExit()
        for h in handles { try h.close() }
        let text = try files.map { String(decoding: try Data(contentsOf: $0), as: UTF8.self) }
        return (process.terminationStatus, text[0], text[1])
    }

    /// A registry with v1 (a LoRA policy on a tiny model with SmolLM2's tokenizer) and c1
    /// trained from it in name only (its adapter starts at B = 0: it IS v1), and a database of
    /// held-out comparisons of two fixed answers.
    static func world(in folder: URL) throws -> (db: String, policies: String, heldOutPairs: Int) {
        let registry = PolicyRegistry(root: folder.appendingPathComponent("policies"))
        let base = registry.root.appendingPathComponent("base")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let model = LlamaModel(config: LlamaConfiguration(
            vocabularySize: 49152, hiddenSize: 32, intermediateSize: 64, layerCount: 1, headCount: 4, kvHeadCount: 2,
            tieWordEmbeddings: true, contextLength: 256))
        var rng = SeededRandom(seed: 3)
        for i in 0..<model.parameters.count { model.parameters.pointer[i] = rng.nextNormal() * 0.05 }
        for name in ["model.norm.weight", "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight"] {
            let w = model.parameter(name)!
            for i in w.indices { w[i] = 1 }
        }
        try model.saveHuggingFace(folder: base)
        try TokenizerExport.write(forModelAt: smolLM, to: base)
        for (out, from) in [("v1", base.path), ("c1", "v1")] {
            let run = try PolicyRun(registry: registry, policy: from, out: out, resume: false, chatTemplate: nil,
                                    weights: .init(lora: LoRAConfiguration(rank: 4, alpha: 8, seed: 1)))
            try run.save(run.manifest(method: out == "v1" ? "sft" : "dpo", data: .init(), parameters: [:], metrics: [:], full: false))
        }
        let db = folder.appendingPathComponent("rounds.sqlite").path
        let store = try FeedbackStore(path: db)
        for i in 0..<6 {
            let (prompt, _) = try store.addPrompt(messages: [.init(role: "user", content: "Chest pain for \(i) hours. What should I do?")],
                                                  heldOutFraction: 1)
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "Call 119 now.")
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "Wait and see.")
        }
        _ = try store.enqueuePairs(newPolicy: "v1", baselinePolicy: nil, overlap: 1)
        let reviewer = try store.registerReviewer(name: "clinician")
        var pairs = 0
        while let item = try store.nextItem(for: reviewer) {
            guard case let .compare(a, _) = item.content else { continue }
            try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer,
                                       outcome: a.text.contains("119") ? .a : .b, secondsSpent: 1)
            pairs += 1
        }
        return (db, registry.root.path, pairs)
    }

    @Test func evaluatePrintsEachGateAndTheDecision() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-evaluate-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let world = try Self.world(in: folder)
        #expect(world.heldOutPairs == 6)
        let config = folder.appendingPathComponent("nightly.json")
        try Data(#"""
            {"maxLength": 96, "maxPromptLength": 64, "threads": 1,
             "evaluation": {"freshPrompts": 0, "validationExamples": 0},
             "gates": {"minHeldOutPairs": 6, "minHeldOutJudgments": 0, "minFreshAnswers": 0, "minValidationExamples": 0}}
            """#.utf8).write(to: config)
        let common = ["--db", world.db, "--policies", world.policies, "--config", config.path]

        let json = try Self.rounds(["policy", "evaluate", "c1", "--json"] + common)
        #expect(json.status == 0, "\(json.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], "\(json.out)")
        let gates = try #require(object["gates"] as? [[String: Any]])
        #expect(gates.map { $0["name"] as? String } == ["pair accuracy", "judgment accuracy", "reward preference", "forgetting", "KL to parent"])
        for gate in gates {
            for key in ["n", "threshold", "passed", "reason"] { #expect(gate[key] != nil, "\(gate) lacks \(key)") }
        }
        // c1 is v1: every held-out margin is 0, accuracy 0.5 by ties — no evidence of learning.
        let pair = gates[0]
        #expect(pair["n"] as? Int == 6 && pair["estimate"] as? Double == 0.5 && pair["passed"] as? Bool == false)
        #expect((pair["lower"] as? Double).map { $0 < 0.5 } == true && (pair["upper"] as? Double).map { $0 > 0.5 } == true)
        #expect(object["passes"] as? Bool == false && object["parent"] as? String == "v1")

        // The table: the same decision, readable; --against names the parent explicitly.
        let table = try Self.rounds(["policy", "evaluate", "c1", "--against", "v1"] + common)
        #expect(table.status == 0, "\(table.err)")
        #expect(table.out.contains("c1 against v1") && table.out.contains("pair accuracy") && table.out.contains("FAIL")
                && table.out.contains("does NOT pass the offline gates"), "\(table.out)")

        // A policy without a parent needs --against.
        let orphan = try Self.rounds(["policy", "evaluate", "v1"] + common)
        #expect(orphan.status != 0 && orphan.err.contains("--against"), "\(orphan.err)")
    }
}
