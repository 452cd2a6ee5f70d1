import Foundation
import Testing
import Llama
import Tensor
@testable import Generation

/// Decode steps of a LoRA policy merged for sampling (`mergeAdapterForSampling`): the base's
/// compact encodings plus the adapter's product, against the same policy merged into fp32
/// (`mergeAdapter`, decode on the merged weights), teacher-forced on the same tokens.
@Suite(.serialized) struct AdapterDecodeTests {
    /// The base model with a LoRA adapter on all seven projections whose factors are random
    /// (a fresh adapter's B is zero and would change nothing).
    func policy(seed: UInt64) throws -> LlamaModel {
        let model = try LlamaModel.load(from: TestSupport.baseModelURL)
        let adapter = LoRAAdapter(model: model.config, configuration: LoRAConfiguration(rank: 16, alpha: 32))
        var rng = SplitMix64(seed: seed)
        for i in 0..<adapter.parameters.count { adapter.parameters[i] = Float.random(in: -0.02...0.02, using: &rng) }
        model.adapter = adapter
        return model
    }

    func stepLogits(_ model: LlamaModel, integerProducts: Bool, prompt: [Int32], ids: [Int32]) throws -> [[Float]] {
        let decoder = IncrementalDecoder(weights: model.decoderWeights.compacted(geometry: model.decoderGeometry),
                                         geometry: model.decoderGeometry, slots: 1, capacity: prompt.count + ids.count + 1,
                                         integerProducts: integerProducts)
        return try TestSupport.stepLogits(decoder, prompt: prompt, ids: ids, vocabulary: model.decoderGeometry.vocabulary)
    }

    @Test func decodeOnTheBaseEncodingsPlusTheAdapterMatchesTheMergedWeights() throws {
        let fixture = try TestSupport.fixture("greedy.json", as: GreedyFixture.self)
        let prompt = fixture.prompts[0].prompt_ids, ids = Array(fixture.prompts[0].hf_fp32_ids.prefix(24))
        let merged = try policy(seed: 5)
        merged.mergeAdapter()
        let runtime = try policy(seed: 5)
        runtime.mergeAdapterForSampling()
        let base = try TestSupport.baseModel()  // read only here

        // The merged weights fit no compact encoding; the runtime form decodes from the base's.
        let mergedWeights = merged.decoderWeights.compacted(geometry: merged.decoderGeometry)
        let runtimeWeights = runtime.decoderWeights.compacted(geometry: runtime.decoderGeometry)
        #expect(mergedWeights.layers.allSatisfy { $0.compact?.qkv == nil && $0.compact?.down == nil })
        #expect(runtimeWeights.layers.allSatisfy { $0.compact?.qkv != nil && $0.compact?.adapter.count == 7 })
        #expect(runtimeWeights.bytesPerStep(geometry: runtime.decoderGeometry) * 3 < mergedWeights.bytesPerStep(geometry: merged.decoderGeometry))

        let want = try stepLogits(merged, integerProducts: false, prompt: prompt, ids: ids)
        let exact = try stepLogits(runtime, integerProducts: false, prompt: prompt, ids: ids)
        let baseOnly = try stepLogits(base, integerProducts: false, prompt: prompt, ids: ids)
        func largest(_ a: [[Float]], _ b: [[Float]]) -> Float {
            zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!
        }
        let adapterEffect = largest(want, baseOnly), rounding = largest(want, exact)
        print(String(format: "adapter decode: merged vs base-only logits differ by up to %.3f; merged vs base encodings + adapter by %.2e", adapterEffect, rounding))
        // The adapter moves the logits (so dropping its term would show), and the two forms
        // agree to float rounding: the first step is prefill (sgemm on the merged weights in
        // both), the rest decode steps.
        #expect(adapterEffect > 0.5)
        #expect(rounding < 2e-3)
        // Each step's top token is the same where the merged model's top-1 leads by more than that.
        for (step, (w, e)) in zip(want, exact).enumerated() {
            let sorted = w.sorted(by: >)
            guard sorted[0] - sorted[1] > 10 * rounding else { continue }
            #expect(w.indices.max { w[$0] < w[$1] } == e.indices.max { e[$0] < e[$1] }, "step \(step)")
        }

        // On int8 activations (where the CPU has integer kernels): within what the base's own
        // integer decode moves (IntegerDecodeTests: reference-token log-probs by 0.064 on average).
        guard integerDecodeKernels else { return }
        let integer = try stepLogits(runtime, integerProducts: true, prompt: prompt, ids: ids)
        var logpDifference = 0.0
        for (step, id) in ids.enumerated() {
            func logp(_ row: [Float]) -> Double {
                let top = Double(row.max()!)
                return Double(row[Int(id)]) - top - log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
            }
            logpDifference += abs(logp(want[step]) - logp(integer[step]))
        }
        logpDifference /= Double(ids.count)
        print(String(format: "adapter decode on int8 activations: mean reference-token log-prob difference %.4f", logpDifference))
        #expect(logpDifference < 0.15)
    }
}
