import Foundation
import ModelFiles
import Tensor
import Testing
@testable import Llama

/// QLoRA: a model whose projections stay 4-bit (NF4 from safetensors) or in a GGUF's own blocks
/// gives the same log-probs and LoRA gradients as the fp32 model holding the dequantized
/// weights, without ever holding those weights in fp32.
@Suite struct QLoRATests {
    static let quantizedGGUF = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/quantized/model.gguf")

    /// The fp32 model with every projection replaced by its NF4 round trip.
    static func dequantizedNF4(_ url: URL) throws -> LlamaModel {
        let model = try LlamaModel.load(from: url)
        for t in model.layout.tensors where t.projection != nil {
            let w = model.parameters.pointer + t.offset
            NF4Matrix(w, rows: t.shape[0], columns: t.shape[1]).decodeRows(0..<t.shape[0], into: w)
        }
        return model
    }

    /// Attaches the same adapter (random A and B, so every gradient is non-zero) to each model.
    static func attachAdapters(_ models: [LlamaModel], rank: Int = 4) {
        let cfg = LoRAConfiguration(rank: rank, alpha: 8, seed: 3)
        var rng = SeededRandom(seed: 19)
        let first = LoRAAdapter(model: models[0].config, configuration: cfg)
        for t in first.tensors where t.name.hasSuffix("lora_B.weight") {
            for i in 0..<t.count { first.parameters[t.offset + i] = 0.05 * rng.nextNormal() }
        }
        for model in models {
            let adapter = LoRAAdapter(model: model.config, configuration: cfg)
            adapter.parameters.pointer.update(from: first.parameters.pointer, count: first.parameters.count)
            model.adapter = adapter
        }
    }

    /// Log-probs of the mean loss and every adapter gradient, after one forward and backward.
    static func run(_ model: LlamaModel, _ batch: TokenBatch) throws -> (logprobs: [Float], gradients: [String: [Float]]) {
        model.zeroGrad()
        let r = try model.forward(batch, training: true)
        let (_, count) = Fixtures.meanLoss(r, batch)
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        let adapter = model.adapter!
        let grads = Dictionary(uniqueKeysWithValues: adapter.tensors.map { ($0.name, adapter.gradients.array(offset: $0.offset, count: $0.count)) })
        return (r.logprobs.flatMap { $0 }, grads)
    }

    static func expectSame(_ frozen: LlamaModel, _ reference: LlamaModel, _ batch: TokenBatch) throws {
        attachAdapters([frozen, reference])
        let a = try run(frozen, batch), b = try run(reference, batch)
        #expect(Fixtures.relativeError(a.logprobs, b.logprobs) < 1e-5)
        #expect(a.gradients.count == 2 * 7 * frozen.config.layerCount)
        for (name, g) in b.gradients {
            let got = try #require(a.gradients[name])
            #expect(g.contains { $0 != 0 }, "\(name)")
            #expect(Fixtures.relativeError(got, g) < 1e-4, "\(name)")
        }
    }

    @Test func nf4BaseGivesTheGradientsOfFP32LoRAOnTheDequantizedWeights() throws {
        let frozen = try LlamaModel.load(from: Fixtures.tiny, frozenBase: true)
        let summary = try #require(frozen.frozenBase?.summary)
        #expect(summary.encodings == ["nf4": 14])
        let reference = try Self.dequantizedNF4(Fixtures.tiny)
        let batch = try Fixtures.Batch().counted()
        try Self.expectSame(frozen, reference, batch)
        // Quantization did change the model: the original fp32 weights give other log-probs.
        let original = try LlamaModel.load(from: Fixtures.tiny)
        Self.attachAdapters([original])
        let lp = try Self.run(original, batch).logprobs, nf4 = try Self.run(frozen, batch).logprobs
        #expect(Fixtures.relativeError(nf4, lp) > 1e-4)
    }

    @Test func ggufBlocksStayAsTheyAreAndGiveTheGradientsOfTheFP32Load() throws {
        let frozen = try LlamaModel.load(from: Self.quantizedGGUF, frozenBase: true)
        let summary = try #require(frozen.frozenBase?.summary)
        // Q4_K → 4-bit levels with scale and offset, Q5_0 → 8-bit levels, Q5_K/Q6_K → int8 levels per 16.
        #expect(summary.encodings == ["q4_1": 3, "q8_0": 1, "int8x16": 3])
        let reference = try LlamaModel.load(from: Self.quantizedGGUF)
        let vocabulary = Int32(reference.config.vocabularySize)
        let ids: [[Int32]] = [(0..<12).map { ($0 * 37 + 5) % vocabulary }, (0..<7).map { ($0 * 11 + 100) % vocabulary }]
        let batch = try TokenBatch(padded: ids, lengths: [12, 7], tokenMask: ids.map { $0.indices.map { $0 > 0 } })
        try Self.expectSame(frozen, reference, batch)
    }

    @Test func anF32GGUFIsQuantizedToNF4() throws {
        let frozen = try LlamaModel.load(from: Fixtures.tiny.appendingPathComponent("model.gguf"), frozenBase: true)
        #expect(frozen.frozenBase?.summary.encodings == ["nf4": 14])
        try Self.expectSame(frozen, try Self.dequantizedNF4(Fixtures.tiny.appendingPathComponent("model.gguf")), try Fixtures.Batch().counted())
    }

    @Test func thePackedBaseIsUnderAThirdOfFP32AndNoFP32CopyIsKept() throws {
        let frozen = try LlamaModel.load(from: Fixtures.tiny, frozenBase: true)
        let fp32 = try LlamaModel.load(from: Fixtures.tiny)
        let summary = try #require(frozen.frozenBase?.summary)
        let projectionFloats = frozen.layout.tensors.filter { $0.projection != nil }.reduce(0) { $0 + $1.count }
        #expect(summary.fp32Bytes == 4 * projectionFloats)
        #expect(summary.ratio <= 0.3 && summary.ratio > 0.1)
        // The parameter buffer holds everything but the projections.
        #expect(frozen.parameters.count == frozen.layout.residentCount)
        #expect(frozen.layout.residentCount + projectionFloats == fp32.parameters.count)
        #expect(frozen.layout.tensors.filter { $0.projection != nil }.allSatisfy { $0.offset >= frozen.layout.residentCount })
        // Everything the buffer holds is what the fp32 model holds.
        for t in frozen.layout.tensors where t.projection == nil {
            let f = try #require(fp32.layout.tensor(named: t.name))
            #expect(frozen.parameters.array(offset: t.offset, count: t.count) == fp32.parameters.array(offset: f.offset, count: f.count))
        }
    }

    @Test func adapterGradientsOfAFrozenBaseMatchFiniteDifferences() throws {
        let model = try LlamaModel.load(from: Fixtures.tiny, frozenBase: true)
        Self.attachAdapters([model])
        let batch = try Fixtures.Batch().counted()
        let analytic = try Self.run(model, batch).gradients
        let adapter = model.adapter!
        func loss() throws -> Double { Fixtures.meanLoss(try model.forward(batch), batch).loss }
        // The first A and B entries of layer 0's q_proj and layer 1's down_proj.
        for name in ["layers.0.self_attn.q_proj.lora_A", "layers.0.self_attn.q_proj.lora_B",
                     "layers.1.mlp.down_proj.lora_A", "layers.1.mlp.down_proj.lora_B"] {
            let t = try #require(adapter.tensors.first { $0.name.contains(name) })
            let g = try #require(analytic[t.name])
            let i = g.indices.max { abs(g[$0]) < abs(g[$1]) }!
            let eps: Float = 1e-2, saved = adapter.parameters[t.offset + i]
            adapter.parameters[t.offset + i] = saved + eps
            let plus = try loss()
            adapter.parameters[t.offset + i] = saved - eps
            let minus = try loss()
            adapter.parameters[t.offset + i] = saved
            let numeric = (plus - minus) / (2 * Double(eps))
            #expect(abs(numeric - Double(g[i])) <= 0.02 * abs(numeric) + 1e-5, "\(t.name)[\(i)]: \(numeric) vs \(g[i])")
        }
    }
}
