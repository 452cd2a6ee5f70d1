import Foundation
import Testing
@testable import Llama

// The real base model (SmolLM2-135M-Instruct Q4_1 GGUF) on the scoring path of
// Tests/Fixtures/reference/logprobs.json. Fails (does not skip) when the model file is missing.

@Suite struct BaseModelTests {
    @Test func scoringMatchesPyTorchLogprobsAndLastLogits() throws {
        let path = Fixtures.baseModel.path
        try #require(FileManager.default.fileExists(atPath: path), "missing \(path): run scripts/fetch-model.sh")
        let model = try LlamaModel.load(from: Fixtures.baseModel)
        let fixture = try Fixtures.json(Fixtures.root.appendingPathComponent("logprobs.json"))
        let pairs = fixture["pairs"] as! [[String: Any]]
        let prompts = pairs.map { ($0["prompt_ids"] as! [Int]).map(Int32.init) }
        let responses = pairs.map { ($0["response_ids"] as! [Int]).map(Int32.init) }
        // Every pair in one packed batch, as training will score them.
        let batch = try TokenBatch(ids: zip(prompts, responses).map { $0 + $1 }, promptLengths: prompts.map(\.count))
        let result = try model.forward(batch)
        for (b, pair) in pairs.enumerated() {
            let expected = pair["per_token_logprobs"] as! [Double]
            for (k, lp) in expected.enumerated() {
                let got = Double(result.logprobs[b][prompts[b].count - 1 + k])
                #expect(abs(got - lp) < 1e-3, "pair \(b) response token \(k): \(got) vs \(lp)")
            }
            let sum = result.sequenceLogprobs[b]
            #expect(abs(Double(sum) - (pair["sum_logprob"] as! Double)) < 1e-3 * Double(expected.count))
            let last = try model.logits(at: [(b, batch.lengths[b] - 1)])[0]
            for (i, x) in (pair["last_position_first8_logits"] as! [Double]).enumerated() {
                #expect(abs(Double(last[i]) - x) < 1e-3 * max(1, abs(x)), "pair \(b) logit \(i)")
            }
            #expect(last.indices.max { last[$0] < last[$1] } == pair["last_position_argmax"] as? Int)
        }
    }
}
