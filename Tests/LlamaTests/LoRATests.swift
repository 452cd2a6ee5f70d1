import Foundation
import ModelFiles
import Testing
@testable import Llama

// The PEFT adapter of Tests/Fixtures/reference/tiny-llama/lora against PyTorch's numbers.

@Suite struct LoRATests {
    let folder = Fixtures.tiny.appendingPathComponent("lora")

    func loaded() throws -> (LlamaModel, LoRAAdapter, [String: Any]) {
        let model = try LlamaModel.load(from: Fixtures.tiny)
        let adapter = try LoRAAdapter.load(from: folder, model: model.config)
        model.adapter = adapter
        return (model, adapter, try Fixtures.json(folder.appendingPathComponent("expected.json")))
    }

    @Test func configurationComesFromTheAdapterFolder() throws {
        let (_, adapter, expected) = try loaded()
        let lora = expected["lora"] as! [String: Any]
        #expect(adapter.configuration.rank == lora["r"] as! Int)
        #expect(Double(adapter.configuration.scaling) == lora["scaling"] as! Double)
        #expect(Set(adapter.configuration.targets.map(\.rawValue)) == Set(lora["targets"] as! [String]))
    }

    @Test func lossLogprobsAndGradientsMatchPEFT() throws {
        let (model, adapter, expected) = try loaded()
        let batch = try Fixtures.Batch().counted()
        let result = try model.forward(batch, training: true)
        let (loss, count) = Fixtures.meanLoss(result, batch)
        let expectedLoss = expected["loss_with_adapter"] as! Double
        #expect(abs(loss - expectedLoss) / expectedLoss < 1e-5)
        for seq in expected["per_token_logprobs_counted"] as! [[String: Any]] {
            let b = seq["seq"] as! Int
            for (t, lp) in zip(seq["target_positions"] as! [Int], seq["logprobs"] as! [Double]) {
                #expect(abs(Double(result.logprobs[b][t - 1]) - lp) < 1e-4)
            }
        }
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        #expect(model.gradients == nil)  // the base stays frozen: no gradient buffer at all
        let reference = try SafetensorsFile(url: folder.appendingPathComponent("lora_grads.safetensors"))
        #expect(reference.tensors.count == adapter.tensors.count)
        for t in adapter.tensors {
            let error = Fixtures.relativeError(adapter.gradients.array(offset: t.offset, count: t.count), try reference.floats(t.name))
            #expect(error < 1e-4, "\(t.name): relative error \(error)")
        }
    }

    @Test func mergedWeightsGiveTheSameLoss() throws {
        let (model, _, expected) = try loaded()
        model.mergeAdapter()
        #expect(model.adapter == nil)
        let batch = try Fixtures.Batch().counted()
        let (loss, _) = Fixtures.meanLoss(try model.forward(batch), batch)
        let expectedLoss = expected["loss_with_adapter_merged_weights"] as! Double
        #expect(abs(loss - expectedLoss) / expectedLoss < 1e-5)
    }

    @Test func saveThenLoadRoundTrips() throws {
        let (model, adapter, _) = try loaded()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try adapter.save(to: dir)
        let again = try LoRAAdapter.load(from: dir, model: model.config)
        #expect(again.configuration == adapter.configuration)
        let same = again.parameters.array() == adapter.parameters.array()
        #expect(same)
    }

    @Test func freshAdapterStartsAtTheBaseModelAndDropoutIsSeeded() throws {
        let model = try LlamaModel.load(from: Fixtures.tiny)
        let batch = try Fixtures.Batch().counted()
        let base = try model.forward(batch).logprobs
        let config = LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.5, targets: [.q, .v], seed: 7)
        model.adapter = LoRAAdapter(model: model.config, configuration: config)
        // B = 0 at initialisation, so with or without dropout the outputs equal the base.
        #expect(try model.forward(batch, training: true).logprobs == base)
        // Dropout masks the adapter input: with B ≠ 0 two seeds differ, the same seed repeats.
        func run(seed: UInt64) throws -> [[Float]] {
            let c = LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.5, targets: [.q, .v], seed: seed)
            let a = LoRAAdapter(model: model.config, configuration: c)
            for t in a.tensors where t.name.hasSuffix("lora_B.weight") {
                for i in 0..<t.count { a.parameters[t.offset + i] = 0.1 }
            }
            model.adapter = a
            return try model.forward(batch, training: true).logprobs
        }
        #expect(try run(seed: 1) == run(seed: 1))
        #expect(try run(seed: 1) != run(seed: 2))
    }

    @Test func dropoutBackwardMatchesFiniteDifferences() throws {
        // With dropout on, the gradient of one lora_A entry vs central differences under the
        // same masks (reseeding the adapter's generator reproduces them).
        let model = try LlamaModel.load(from: Fixtures.tiny)
        let batch = try Fixtures.Batch().counted()
        let config = LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.3, targets: [.k, .up], seed: 11)
        let adapter = LoRAAdapter(model: model.config, configuration: config)
        for t in adapter.tensors where t.name.hasSuffix("lora_B.weight") {
            for i in 0..<t.count { adapter.parameters[t.offset + i] = Float(sin(Double(i))) * 0.2 }
        }
        model.adapter = adapter
        func loss() throws -> Double {
            adapter.reseed(11)
            return Fixtures.meanLoss(try model.forward(batch, training: true), batch).loss
        }
        _ = try loss()
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: 35))
        let a = adapter.tensors.first { $0.name.contains("layers.0.mlp.up_proj.lora_A") }!
        let index = a.offset + 5
        let analytic = Double(adapter.gradients[index])
        let saved = adapter.parameters[index], eps: Float = 1e-2
        adapter.parameters[index] = saved + eps
        let plus = try loss()
        adapter.parameters[index] = saved - eps
        let minus = try loss()
        adapter.parameters[index] = saved
        let numeric = (plus - minus) / Double(2 * eps)
        #expect(abs(analytic) > 1e-4)
        #expect(abs(analytic - numeric) < 2e-3 * max(abs(numeric), 1e-2))
    }
}
