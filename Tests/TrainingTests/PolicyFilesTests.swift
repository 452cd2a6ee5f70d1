import Foundation
import Llama
import Testing
import Tokenizer
@testable import Training

/// Policies on the real base model: a LoRA policy saved in the registry loads back with
/// the same log-probs, exports to a Hugging Face folder that loads to the same logits, and
/// bad SFT data stops with file:line before anything trains.
@Suite(.serialized) struct PolicyFilesTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let baseModel = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    func temporaryRegistry() throws -> PolicyRegistry {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-policies-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return PolicyRegistry(root: root)
    }

    /// A batch of one chat-templated Japanese/English exchange.
    func batch(_ tokenizer: BPETokenizer) throws -> TokenBatch {
        let template = try ChatTemplate.forTokenizer(tokenizer)
        let chat = try template.render([.user("胸が痛いです。How worried should I be?"), .assistant("Call 119 now: chest pain needs the emergency department.")],
                                       addGenerationPrompt: false).tokenize(with: tokenizer)
        let ids = chat.ids.map(Int32.init)
        return try TokenBatch(ids: [ids], targetMask: [ids.indices.map { $0 + 1 < ids.count && chat.assistantMask[$0 + 1] }])
    }

    @Test func loraPolicyRoundTripsAndExportsToTheSameLogits() throws {
        let registry = try temporaryRegistry()
        defer { try? FileManager.default.removeItem(at: registry.root) }
        // Given the base model with a non-trivial adapter (B is zero at initialisation)
        let model = try LlamaModel.load(from: Self.baseModel)
        let tokenizer = try BPETokenizer.load(modelPath: Self.baseModel)
        let adapter = LoRAAdapter(model: model.config, configuration: .init(rank: 4, alpha: 8, seed: 1))
        for i in 0..<adapter.parameters.count where i % 3 == 0 { adapter.parameters[i] = Float(i % 17) * 1e-3 - 8e-3 }
        model.adapter = adapter
        let batch = try batch(tokenizer)
        let expected = try model.forward(batch).logprobs[0]
        let expectedLogits = try model.logits(at: [(0, batch.ids[0].count - 1)])[0]

        // When it is saved as a policy and loaded by name
        let manifest = PolicyManifest(name: "sft-test", parent: nil, kind: .lora,
                                      base: .init(path: Self.baseModel.path, sha256: "-"), method: "sft")
        try PolicyWriter.save(model: model, manifest: manifest, registry: registry)
        let loaded = try PolicyLoader.load("sft-test", registry: registry)
        // Then the log-probs are the same
        // Same weights, bit for bit; a fresh model's buffers sit at other addresses, and the
        // BLAS kernels' results depend on alignment, so allow fp32 rounding noise.
        let again = try loaded.model.forward(batch).logprobs[0]
        #expect(zip(expected, again).allSatisfy { abs($0 - $1) < 1e-3 })
        #expect(try loaded.model.adapter!.parameters.array() == adapter.parameters.array())

        // When it is exported as a Hugging Face folder (adapter merged) and loaded from there
        let out = registry.root.appendingPathComponent("export")
        loaded.model.mergeAdapter()
        try loaded.model.saveHuggingFace(folder: out)
        try TokenizerExport.write(forModelAt: Self.baseModel, to: out)
        let exported = try PolicyLoader.load(out.path, registry: registry)
        // Then the logits match and the tokenizer gives the same ids
        let logits = try exported.model.forward(batch).logprobs[0]
        #expect(zip(expected, logits).allSatisfy { abs($0 - $1) < 1e-3 })
        let row = try exported.model.logits(at: [(0, batch.ids[0].count - 1)])[0]
        #expect(zip(expectedLogits, row).map { abs($0 - $1) }.max()! < 1e-3)
        for text in ["患者は胸痛を訴えた。", "Dose: 500 mg twice daily 🙂", "<|im_start|>user\n  spaces\n<|im_end|>"] {
            #expect(exported.tokenizer.encode(text) == tokenizer.encode(text))
        }
    }

    @Test func malformedSFTLinesStopWithFileAndLine() throws {
        let tokenizer = try BPETokenizer.load(modelPath: Self.baseModel)
        let template = try ChatTemplate.forTokenizer(tokenizer)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-sft-\(UUID()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let good = #"{"messages":[{"role":"user","content":"熱があります"},{"role":"assistant","content":"受診の目安：熱が3日以上続く、または息苦しい場合はすぐに受診してください。"}]}"#
        for (bad, reason) in [
            (#"{"messages":[{"role":"user","content":"hi"}"#, "not valid JSON"),
            (#"{"text":"no messages"}"#, "expected \"messages\""),
            (#"{"messages":[{"role":"user","content":"only a question"}]}"#, "no assistant message"),
        ] {
            try Data("\(good)\n\n\(bad)\n\(good)\n".utf8).write(to: file)
            do {
                _ = try SFTDataset.load(file, tokenizer: tokenizer, template: template, maxLength: 512, overLength: .truncate)
                Issue.record("expected an error for \(bad)")
            } catch {
                let message = error.localizedDescription
                #expect(message.hasPrefix("\(file.path):3:"), "\(message)")
                #expect(message.contains(reason), "\(message)")
            }
        }
        // Over-length examples are reported, then truncated or dropped as asked.
        try Data("\(good)\n\(good)\n".utf8).write(to: file)
        let truncated = try SFTDataset.load(file, tokenizer: tokenizer, template: template, maxLength: 48, overLength: .truncate)
        #expect(truncated.examples.count == 2 && truncated.report.truncated.count == 2)
        #expect(truncated.examples.allSatisfy { $0.ids.count == 48 && $0.targetMask.last == false })
        let dropped = try SFTDataset.load(file, tokenizer: tokenizer, template: template, maxLength: 48, overLength: .drop)
        #expect(dropped.examples.isEmpty && dropped.report.dropped == ["\(file.path):1", "\(file.path):2"])
    }
}
