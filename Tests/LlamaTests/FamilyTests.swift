import Foundation
import ModelFiles
import Testing
@testable import Llama

// The tiny Qwen2, Qwen3, Llama 3.x and Gemma 3 checkpoints of Tests/Fixtures/<family>
// (scripts/fixtures/make-tiny-<family>.py) against transformers' and PEFT's numbers.

@Suite struct FamilyTests {
    static let expectedFamily: [String: ModelFamily] = ["qwen2": .qwen2, "qwen3": .qwen3, "llama3": .llama, "gemma3": .gemma3]

    @Test(arguments: Fixtures.families)
    func configurationNamesTheFamilyAndItsOptions(_ name: String) throws {
        let model = try LlamaModel.load(from: Fixtures.family(name))
        let arch = model.config.architecture
        #expect(arch.family == Self.expectedFamily[name])
        switch name {
        case "qwen2":
            #expect(arch.qkvBias && !arch.qkNorm && !model.config.tieWordEmbeddings)
        case "qwen3":
            #expect(arch.qkNorm && !arch.qkvBias && model.config.headDim * model.config.headCount != model.config.hiddenSize)
        case "llama3":
            #expect(arch.ropeScaling == .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64))
        default:
            #expect(arch.sandwichNorms && arch.activation == .geluTanh && arch.slidingLayers == [true, false])
            #expect(arch.embeddingScale == Float(8) && arch.slidingWindow == 5 && arch.localRopeTheta == 10000)
        }
    }

    @Test(arguments: Fixtures.families)
    func logitsAndLogprobsMatchTransformers(_ name: String) throws {
        let folder = Fixtures.family(name)
        let expected = try Fixtures.json(folder.appendingPathComponent("expected.json"))
        let model = try LlamaModel.load(from: folder)
        let fixture = try Fixtures.Batch(folder: folder)
        let batch = try fixture.counted()
        let (loss, count) = Fixtures.meanLoss(try model.forward(batch), batch)
        let lossInfo = expected["loss"] as! [String: Any]
        #expect(count == lossInfo["num_counted_targets"] as! Int)
        #expect(abs(loss - (lossInfo["value"] as! Double)) / (lossInfo["value"] as! Double) < 1e-5)

        let all = try model.forward(fixture.all())
        let sequences = (expected["per_token_logprobs"] as! [String: Any])["sequences"] as! [[String: Any]]
        for seq in sequences {
            let b = seq["seq"] as! Int
            for (t, lp) in zip(seq["all_target_positions"] as! [Int], seq["all_logprobs"] as! [Double]) {
                #expect(abs(Double(all.logprobs[b][t - 1]) - lp) < 1e-4 * max(1, abs(lp)), "\(name) sequence \(b) target \(t)")
            }
        }
        for (key, value) in expected["logits"] as! [String: Any] {
            let entry = value as! [String: Any]
            let row = try model.logits(at: [(entry["batch"] as! Int, entry["position"] as! Int)])[0]
            let reference = (entry["values"] as! [Double]).map(Float.init)
            #expect(row.count == reference.count)
            let error = Fixtures.relativeError(row, reference)
            #expect(error < 1e-4, "\(name) logits \(key): relative error \(error)")
        }
    }

    /// A forward-only pass (the layers share one activation region, written in place) gives
    /// the full forward's log-probs, hidden states and logits, and refuses a backward.
    @Test(arguments: Fixtures.families)
    func forwardOnlyPassGivesTheFullForwardsOutputs(_ name: String) throws {
        let model = try LlamaModel.load(from: Fixtures.family(name))
        model.trainsBase = true
        let batch = try Fixtures.Batch(folder: Fixtures.family(name)).all()
        let positions = [(sequence: 0, position: 1), (sequence: batch.lengths.count - 1, position: batch.lengths.last! - 1)]
        let full = try model.forward(batch, computeHidden: true)
        let fullLogits = try model.logits(at: positions)
        let only = try model.forward(batch, computeHidden: true, forBackward: false)
        #expect(only.logprobs == full.logprobs)
        #expect(only.hidden == full.hidden)
        #expect(try model.logits(at: positions) == fullLogits)
        let zeros = batch.lengths.map { [Float](repeating: 0, count: $0) }
        #expect(throws: LlamaError.self) { try model.backward(dLogprobs: zeros) }
        _ = try model.forward(batch)
        try model.backward(dLogprobs: zeros)
    }

    @Test(arguments: Fixtures.families)
    func baseGradientsMatchTransformers(_ name: String) throws {
        let folder = Fixtures.family(name)
        let model = try LlamaModel.load(from: folder)
        model.trainsBase = true
        let batch = try Fixtures.Batch(folder: folder).counted()
        let (_, count) = Fixtures.meanLoss(try model.forward(batch), batch)
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        let reference = try SafetensorsFile(url: folder.appendingPathComponent("grads.safetensors"))
        #expect(reference.tensors.count == model.layout.tensors.count)
        for t in model.layout.tensors {
            let error = Fixtures.relativeError(Array(model.gradient(t.name)!), try reference.floats(t.name))
            #expect(error < 1e-4, "\(name) \(t.name): relative error \(error)")
        }
    }

    @Test(arguments: Fixtures.families)
    func loraLossAndGradientsMatchPEFT(_ name: String) throws {
        let folder = Fixtures.family(name), lora = folder.appendingPathComponent("lora")
        let expected = try Fixtures.json(lora.appendingPathComponent("expected.json"))
        let model = try LlamaModel.load(from: folder)
        let adapter = try LoRAAdapter.load(from: lora, model: model.config)
        model.adapter = adapter
        let batch = try Fixtures.Batch(folder: folder).counted()
        let result = try model.forward(batch, training: true)
        let (loss, count) = Fixtures.meanLoss(result, batch)
        let expectedLoss = expected["loss_with_adapter"] as! Double
        #expect(abs(loss - expectedLoss) / expectedLoss < 1e-5)
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        let reference = try SafetensorsFile(url: lora.appendingPathComponent("lora_grads.safetensors"))
        #expect(reference.tensors.count == adapter.tensors.count)
        for t in adapter.tensors {
            let error = Fixtures.relativeError(adapter.gradients.array(offset: t.offset, count: t.count), try reference.floats(t.name))
            #expect(error < 1e-4, "\(name) \(t.name): relative error \(error)")
        }
    }

    @Test(arguments: Fixtures.families)
    func greedyDecodingMatchesTransformersFor32Tokens(_ name: String) throws {
        let folder = Fixtures.family(name)
        let greedy = try Fixtures.json(folder.appendingPathComponent("expected.json"))["greedy"] as! [String: Any]
        let model = try LlamaModel.load(from: folder)
        // The KV-cache decoder (what generation runs), on fp32 activations.
        let decoder = IncrementalDecoder(weights: model.decoderWeights, geometry: model.decoderGeometry, slots: 1, capacity: 64,
                                         integerProducts: false)
        let v = model.config.vocabularySize
        func argmax(_ logits: UnsafeMutablePointer<Float>) -> Int32 {
            Int32((0..<v).max { logits[$0] < logits[$1] }!)
        }
        let prompt = (greedy["prompt_ids"] as! [Int]).map(Int32.init)
        var ids = [argmax(try decoder.prefill(prompts: [prompt], slots: [0]))]
        while ids.count < 32 { ids.append(argmax(try decoder.step(tokens: [ids.last!], slots: [0]))) }
        let expected = greedy["ids"] as! [Int]
        #expect(expected.count == 32)
        #expect(ids.map(Int.init) == expected, "\(name): the reference's smallest top-1 lead is \((greedy["top1_minus_top2"] as! [Double]).min()!)")
    }

    @Test(arguments: Fixtures.families)
    func ggufGivesTheSameWeightsAndLogitsAsSafetensors(_ name: String) throws {
        let folder = Fixtures.family(name)
        let a = try LlamaModel.load(from: folder.appendingPathComponent("model.gguf")), b = try LlamaModel.load(from: folder)
        #expect(a.config.architecture.family == b.config.architecture.family)
        #expect(a.layout.tensors == b.layout.tensors)
        // Gemma's norms: the GGUF stores 1 + w in fp32, the folder w (1 + w is computed on load).
        let error = Fixtures.relativeError(a.parameters.array(), b.parameters.array())
        #expect(error < 1e-6, "\(name): weights differ by \(error)")
        let batch = try Fixtures.Batch(folder: folder).all()
        _ = try a.forward(batch)
        _ = try b.forward(batch)
        let positions = batch.lengths.enumerated().flatMap { s, l in (0..<l).map { (sequence: s, position: $0) } }
        let logitError = Fixtures.relativeError(try a.logits(at: positions).flatMap { $0 }, try b.logits(at: positions).flatMap { $0 })
        #expect(logitError < 1e-5, "\(name): logits differ by \(logitError)")
    }

    @Test(arguments: Fixtures.families)
    func exportedFolderLoadsBackToTheSameModel(_ name: String) throws {
        let model = try LlamaModel.load(from: Fixtures.family(name))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("family-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.saveHuggingFace(folder: dir)
        let again = try LlamaModel.load(from: dir)
        #expect(again.config == model.config)
        let error = Fixtures.relativeError(again.parameters.array(), model.parameters.array())
        #expect(error < 1e-6)
    }
}

/// The backward of each family's own parts (biases, q/k norms, post-norms, scaled embedding,
/// GeGLU, sliding windows) against central differences of the loss, in Double.
@Suite struct FamilyFiniteDifferenceTests {
    static let probes: [(String, String, Int)] = [
        ("qwen2", "model.layers.0.self_attn.q_proj.bias", 5), ("qwen2", "model.layers.1.self_attn.k_proj.bias", 3),
        ("qwen2", "model.layers.0.self_attn.v_proj.bias", 7), ("qwen2", "lm_head.weight", 700),
        ("qwen3", "model.layers.0.self_attn.q_norm.weight", 4), ("qwen3", "model.layers.1.self_attn.k_norm.weight", 9),
        ("llama3", "model.layers.0.self_attn.q_proj.weight", 130), ("llama3", "model.layers.1.mlp.down_proj.weight", 1000),
        ("gemma3", "model.embed_tokens.weight", 1000), ("gemma3", "model.layers.0.post_attention_layernorm.weight", 3),
        ("gemma3", "model.layers.1.post_feedforward_layernorm.weight", 11), ("gemma3", "model.layers.0.self_attn.k_norm.weight", 2),
        ("gemma3", "model.layers.0.mlp.gate_proj.weight", 77), ("gemma3", "model.layers.0.self_attn.q_proj.weight", 500),
    ]

    @Test(arguments: 0..<probes.count)
    func gradientEntryMatchesCentralDifferences(_ probe: Int) throws {
        let (name, tensor, index) = Self.probes[probe]
        let folder = Fixtures.family(name)
        let model = try LlamaModel.load(from: folder)
        model.trainsBase = true
        let batch = try Fixtures.Batch(folder: folder).counted()
        func loss() throws -> Double { Fixtures.meanLoss(try model.forward(batch), batch).loss }
        let count = Fixtures.meanLoss(try model.forward(batch), batch).count
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        let analytic = Double(try #require(model.gradient(tensor))[index])
        let p = try #require(model.parameter(tensor)).baseAddress! + index
        let saved = p.pointee, eps: Float = 1e-2
        p.pointee = saved + eps
        let plus = try loss()
        p.pointee = saved - eps
        let minus = try loss()
        p.pointee = saved
        let numeric = (plus - minus) / Double(2 * eps)
        #expect(abs(analytic - numeric) < 2e-4 + 2e-2 * abs(numeric), "\(name) \(tensor)[\(index)]: \(analytic) vs \(numeric)")
        #expect(abs(analytic) > 1e-4, "\(name) \(tensor)[\(index)] is too small a gradient to tell anything")
    }
}

/// An adapter as Rounds trains and saves it: one gradient step away from the fixture's, saved
/// with its log-probs under $TMPDIR/rounds-family-adapters/<family> so
/// scripts/fixtures/check-rounds-adapter.py can load it with transformers + PEFT and compare
/// (its result is recorded in Tests/Fixtures/<family>/README.md).
@Suite struct FamilyAdapterExportTests {
    @Test(arguments: Fixtures.families)
    func savedAdapterReloadsWithTheSameOutputs(_ name: String) throws {
        let folder = Fixtures.family(name)
        let model = try LlamaModel.load(from: folder)
        let adapter = try LoRAAdapter.load(from: folder.appendingPathComponent("lora"), model: model.config)
        model.adapter = adapter
        let batch = try Fixtures.Batch(folder: folder).counted()
        let (_, count) = Fixtures.meanLoss(try model.forward(batch, training: true), batch)
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        for i in 0..<adapter.parameters.count { adapter.parameters[i] -= 0.5 * adapter.gradients[i] }  // one SGD step
        let logprobs = try model.forward(batch).logprobs

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-family-adapters/\(name)")
        try? FileManager.default.removeItem(at: dir)
        try adapter.save(to: dir, baseModel: folder.path)
        let json = try JSONSerialization.data(withJSONObject: ["logprobs": logprobs.map { $0.map(Double.init) }, "batch": folder.path])
        try json.write(to: dir.appendingPathComponent("rounds-logprobs.json"))

        let again = try LoRAAdapter.load(from: dir, model: model.config)
        model.adapter = again
        #expect(try model.forward(batch).logprobs == logprobs)
    }
}
