import Foundation
import Testing
import Tensor
@testable import Llama

// Tests/Fixtures/quantized/model.gguf (scripts/fixtures/make-quantized-gguf.py): q Q4_K,
// k Q5_K, v Q6_K, o Q5_0, gate/up Q4_K, down Q6_K, embedding Q8_0 (tied head), llama layout
// (q/k rows permuted in the file). The decoder keeps every one of them compact, built from the
// file's blocks, and computes with exactly the weights the fp32 model holds.

@Suite struct QuantizedModelTests {
    static let file = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/quantized/model.gguf")

    @Test func everyQuantizedMatrixStaysCompactWithTheSameWeights() throws {
        let model = try LlamaModel.load(from: Self.file)
        #expect(model.blockWeights.count == 8)
        let g = model.decoderGeometry
        let weights = model.decoderWeights.compacted(geometry: g)
        let layer = try #require(weights.layers[0].compact)
        #expect(layer.qkv == nil)  // three formats: q, k and v stay separate
        #expect(layer.q?.format == .q4_1 && layer.k?.format == .int8x16 && layer.v?.format == .int8x16)
        #expect(layer.wo?.format == .q8_0 && layer.gateUp?.format == .q4_1 && layer.down?.format == .int8x16)
        #expect(weights.compactLMHead?.format == .q8_0)
        for (matrix, name) in [(layer.q, "self_attn.q_proj"), (layer.k, "self_attn.k_proj"), (layer.v, "self_attn.v_proj"),
                               (layer.wo, "self_attn.o_proj"), (layer.down, "mlp.down_proj")] {
            let w = try #require(model.parameter("model.layers.0.\(name).weight"))
            #expect(try #require(matrix).reproduces(w.baseAddress!), "\(name)")
        }
        let fp32Bytes = 4 * (model.layout.count - 3 * g.width)
        #expect(Double(weights.bytesPerStep(geometry: g)) < 0.35 * Double(fp32Bytes))
    }

    @Test func compactAndFP32DecodersGiveTheSameLogits() throws {
        let model = try LlamaModel.load(from: Self.file)
        let g = model.decoderGeometry
        let compact = IncrementalDecoder(weights: model.decoderWeights.compacted(geometry: g), geometry: g, slots: 1, capacity: 16,
                                         integerProducts: false)
        let plain = IncrementalDecoder(weights: model.decoderWeights, geometry: g, slots: 1, capacity: 16, integerProducts: false)
        let prompt: [Int32] = [3, 77, 150, 9]
        func logits(_ d: IncrementalDecoder) throws -> [[Float]] {
            var rows = [Array(UnsafeBufferPointer(start: try d.prefill(prompts: [prompt], slots: [0]), count: g.vocabulary))]
            for t: Int32 in [5, 6, 7] {
                rows.append(Array(UnsafeBufferPointer(start: try d.step(tokens: [t], slots: [0]), count: g.vocabulary)))
            }
            return rows
        }
        let a = try logits(compact), b = try logits(plain)
        for (x, y) in zip(a, b) { #expect(Fixtures.relativeError(x, y) < 1e-6) }
    }

    @Test func aChangedWeightLosesItsBlockForm() throws {
        let model = try LlamaModel.load(from: Self.file)
        let down = try #require(model.parameter("model.layers.0.mlp.down_proj.weight"))
        down[17] += 1e-3
        let layer = try #require(model.decoderWeights.compacted(geometry: model.decoderGeometry).layers[0].compact)
        #expect(layer.down == nil)
        #expect(layer.wo?.format == .q8_0)
    }
}
