import Foundation
import ModelFiles
import Testing
@testable import Llama

// The 2-layer reference model of Tests/Fixtures/reference/tiny-llama against PyTorch's numbers.

@Suite struct TinyLlamaTests {
    let gguf = Fixtures.tiny.appendingPathComponent("model.gguf")

    @Test func configurationFromGGUFMatchesConfigJSON() throws {
        let fromJSON = try LlamaConfiguration(hfConfig: Fixtures.tiny.appendingPathComponent("config.json"))
        var fromGGUF = try LlamaModel.load(from: gguf).config
        // GGUF stores eps as float32; config.json's 1e-5 is a double.
        #expect(abs(Double(fromGGUF.rmsNormEps) - 1e-5) < 1e-12)
        fromGGUF.rmsNormEps = fromJSON.rmsNormEps
        #expect(fromGGUF == fromJSON)
        #expect(fromJSON.tieWordEmbeddings)
    }

    @Test func ggufAndSafetensorsGiveTheSameWeightsAndLogits() throws {
        let a = try LlamaModel.load(from: gguf), b = try LlamaModel.load(from: Fixtures.tiny)
        let sameWeights = a.parameters.array() == b.parameters.array()
        #expect(sameWeights)
        let batch = try Fixtures.Batch().all()
        _ = try a.forward(batch)
        _ = try b.forward(batch)
        let positions = batch.lengths.enumerated().flatMap { b, l in (0..<l).map { (sequence: b, position: $0) } }
        let same = try a.logits(at: positions) == b.logits(at: positions)
        #expect(same)
    }

    @Test func lossLogprobsAndLogitsMatchPyTorch() throws {
        let expected = try Fixtures.json(Fixtures.tiny.appendingPathComponent("expected.json"))
        let model = try LlamaModel.load(from: Fixtures.tiny)
        let fixture = try Fixtures.Batch()
        let batch = try fixture.counted()
        let result = try model.forward(batch)
        let (loss, count) = Fixtures.meanLoss(result, batch)
        let lossInfo = expected["loss"] as! [String: Any]
        let expectedLoss = lossInfo["value"] as! Double
        #expect(count == lossInfo["num_counted_targets"] as! Int)
        #expect(abs(loss - expectedLoss) / abs(expectedLoss) < 1e-5)

        // Every real target (prompt targets included) from one forward.
        let all = try model.forward(fixture.all())
        let sequences = (expected["per_token_logprobs"] as! [String: Any])["sequences"] as! [[String: Any]]
        for seq in sequences {
            let b = seq["seq"] as! Int
            for (t, lp) in zip(seq["all_target_positions"] as! [Int], seq["all_logprobs"] as! [Double]) {
                #expect(abs(Double(all.logprobs[b][t - 1]) - lp) < 1e-4, "sequence \(b) target \(t)")
            }
        }

        let logits = expected["logits"] as! [String: Any]
        for (name, value) in logits where value is [String: Any] {
            let entry = value as! [String: Any]
            let b = entry["batch"] as! Int, t = entry["position"] as! Int
            let row = try model.logits(at: [(b, t)])[0]
            let first = entry["first16"] as! [Double]
            for (i, x) in first.enumerated() { #expect(abs(Double(row[i]) - x) < 1e-4, "\(name) logit \(i)") }
            #expect(row.indices.max { row[$0] < row[$1] } == entry["argmax"] as? Int)
            let mx = Double(row.max()!)
            let lse = mx + log(row.reduce(0.0) { $0 + exp(Double($1) - mx) })
            #expect(abs(lse - (entry["logsumexp"] as! Double)) < 1e-4)
        }
    }

    @Test func gradientsMatchPyTorch() throws {
        let model = try LlamaModel.load(from: Fixtures.tiny)
        model.trainsBase = true
        let batch = try Fixtures.Batch().counted()
        let result = try model.forward(batch)
        let (_, count) = Fixtures.meanLoss(result, batch)
        model.zeroGrad()
        try model.backward(dLogprobs: Fixtures.meanLossGradient(batch, count: count))
        let reference = try SafetensorsFile(url: Fixtures.tiny.appendingPathComponent("grads.safetensors"))
        #expect(reference.tensors.count == model.layout.tensors.count)
        for t in model.layout.tensors {
            let expected = try reference.floats(t.name)
            let error = Fixtures.relativeError(Array(model.gradient(t.name)!), expected)
            #expect(error < 1e-4, "\(t.name): relative error \(error)")
        }
    }

    @Test func hiddenGradientFlowsLikeFiniteDifferences() throws {
        // d(hidden) path (reward / value heads): L = Σ w·hidden at one row, checked against
        // central differences on one embedding entry in Double.
        let model = try LlamaModel.load(from: Fixtures.tiny)
        model.trainsBase = true
        let ids: [[Int32]] = [[5, 17, 9, 200], [3, 44]]
        let batch = try TokenBatch(ids: ids, targetMask: ids.map { $0.map { _ in false } })
        let c = model.config.hiddenSize
        let w = (0..<c).map { Float(sin(Double($0))) }
        func loss() throws -> Double {
            let h = try model.forward(batch, computeHidden: true).hidden!
            return (0..<c).reduce(0.0) { $0 + Double(h[2 * c + $1]) * Double(w[$1]) }  // sequence 0, position 2
        }
        _ = try loss()
        var dHidden = [Float](repeating: 0, count: 6 * c)
        for i in 0..<c { dHidden[2 * c + i] = w[i] }
        model.zeroGrad()
        try model.backward(dLogprobs: ids.map { $0.map { _ in 0 } }, dHidden: dHidden)
        let index = 17 * c + 3  // embedding row of token 17, column 3
        let analytic = Double(model.gradients![model.layout.embedding + index])
        let p = model.parameters.pointer + model.layout.embedding + index
        let saved = p.pointee, eps: Float = 1e-2
        p.pointee = saved + eps
        let plus = try loss()
        p.pointee = saved - eps
        let minus = try loss()
        p.pointee = saved
        let numeric = (plus - minus) / Double(2 * eps)
        #expect(abs(analytic - numeric) < 2e-3 * max(1, abs(numeric)))
        #expect(abs(analytic) > 1e-3)
    }
}
