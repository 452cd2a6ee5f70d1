import Foundation
import Testing
import Llama
import Tensor
@testable import Generation

/// Decode steps on int8-quantized activations (AVX-512 VNNI, IntegerMatmul.swift) against the
/// fp32 path and the PyTorch reference, teacher-forced on the reference's greedy tokens so one
/// near-tie cannot send the two runs down different texts.
@Suite(.serialized) struct IntegerDecodeTests {
    @Test func integerStepsFollowTheReferenceWhereItIsClear() throws {
        guard integerDecodeKernels else {
            print("IntegerDecodeTests: this CPU has no AVX-512 VNNI; decode runs in fp32 here")
            return
        }
        let fixture = try TestSupport.fixture("greedy.json", as: GreedyFixture.self)
        let model = try TestSupport.baseModel()
        let weights = model.decoderWeights.compacted(geometry: model.decoderGeometry)
        let v = model.decoderGeometry.vocabulary
        var worst = 0.0, sum = 0.0, count = 0, logpWorst = 0.0, logpSum = 0.0
        for prompt in fixture.prompts {
            let ids = Array(prompt.hf_fp32_ids.prefix((prompt.first_eos_index ?? prompt.hf_fp32_ids.count - 1) + 1))
            let capacity = prompt.prompt_ids.count + ids.count + 1
            let exact = try TestSupport.stepLogits(IncrementalDecoder(weights: weights, geometry: model.decoderGeometry, slots: 1,
                                                          capacity: capacity, integerProducts: false),
                                       prompt: prompt.prompt_ids, ids: ids, vocabulary: v)
            let integer = try TestSupport.stepLogits(IncrementalDecoder(weights: weights, geometry: model.decoderGeometry, slots: 1,
                                                            capacity: capacity, integerProducts: true),
                                         prompt: prompt.prompt_ids, ids: ids, vocabulary: v)
            for step in ids.indices {
                let difference = zip(exact[step], integer[step]).map { Double(abs($0 - $1)) }.max()!
                func logp(_ row: [Float], _ id: Int32) -> Double {
                    let top = Double(row.max()!)
                    return Double(row[Int(id)]) - top - log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
                }
                let dlogp = abs(logp(exact[step], ids[step]) - logp(integer[step], ids[step]))
                logpWorst = max(logpWorst, dlogp)
                logpSum += dlogp
                if step < 3 { print(String(format: "integer decode: step %d largest logit difference %.3f, reference log-prob difference %.4f", step, difference, dlogp)) }
                worst = max(worst, difference)
                sum += difference
                count += 1
                let top = integer[step].indices.max { integer[step][$0] < integer[step][$1] }!
                let gap = prompt.hf_fp32_top1_minus_top2_logit[step]
                if Int32(top) != ids[step] {
                    print("integer decode: \(prompt.user.prefix(24))… step \(step) picks \(top), reference \(ids[step]) (reference gap \(gap))")
                }
                #expect(Int32(top) == ids[step] || gap < Self.clearLead,
                        "step \(step): the integer path leaves the reference where its top-1 leads by \(gap)")
            }
        }
        print(String(format: "integer decode: largest logit difference from fp32 %.3f, mean of per-step largest %.3f over %d steps; reference-token log-prob difference largest %.4f, mean %.4f",
                     worst, sum / Double(count), count, logpWorst, logpSum / Double(count)))
    }

    /// A lead of one logit (a top-1 token e ≈ 2.7 times as likely as the next) is one the
    /// int8-activation path must keep. It does not keep the fp32 parity test's 0.05: llama.cpp's
    /// own Q4_1 run, which also quantizes activations to int8, leaves this reference at a lead
    /// of 0.08, and this path at leads up to about 0.5 (printed above).
    static let clearLead = 1.0
}
