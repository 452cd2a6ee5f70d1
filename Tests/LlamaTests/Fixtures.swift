import Foundation
import Llama
import ModelFiles

/// Paths and parsed contents of the shared reference fixtures (`Tests/Fixtures/reference`).
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = packageRoot.appendingPathComponent("Tests/Fixtures/reference")
    static let tiny = root.appendingPathComponent("tiny-llama")
    /// The tiny per-family checkpoints of scripts/fixtures/make-tiny-<family>.py.
    static func family(_ name: String) -> URL { packageRoot.appendingPathComponent("Tests/Fixtures/\(name)") }
    static let families = ["qwen2", "qwen3", "llama3", "gemma3"]
    static let baseModel = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// batch.json: padded ids, true lengths and the loss mask on target tokens.
    struct Batch {
        var ids: [[Int32]], lengths: [Int], lossMask: [[Bool]]

        init(folder: URL = Fixtures.tiny) throws {
            let j = try Fixtures.json(folder.appendingPathComponent("batch.json"))
            ids = (j["input_ids"] as! [[Int]]).map { $0.map(Int32.init) }
            lengths = j["lengths"] as! [Int]
            lossMask = (j["loss_mask"] as! [[Int]]).map { $0.map { $0 == 1 } }
        }

        /// The counted targets of expected.json's loss.
        func counted() throws -> TokenBatch { try TokenBatch(padded: ids, lengths: lengths, tokenMask: lossMask) }
        /// Every real next-token target (`all_logprobs`).
        func all() throws -> TokenBatch {
            try TokenBatch(padded: ids, lengths: lengths, tokenMask: lossMask.map { $0.indices.map { $0 > 0 } })
        }
    }

    /// Mean −log-prob over the selected targets (expected.json `loss.value` reduction).
    static func meanLoss(_ r: ForwardResult, _ batch: TokenBatch) -> (loss: Double, count: Int) {
        var sum = 0.0, count = 0
        for (b, row) in batch.targetMask.enumerated() {
            for (t, on) in row.enumerated() where on {
                sum -= Double(r.logprobs[b][t])
                count += 1
            }
        }
        return (sum / Double(count), count)
    }

    /// dLogprobs of the mean loss: −1/count at every selected target.
    static func meanLossGradient(_ batch: TokenBatch, count: Int) -> [[Float]] {
        batch.targetMask.map { $0.map { $0 ? -1 / Float(count) : 0 } }
    }

    /// Largest |a − b| relative to max |b| (the fixtures' "relative to the tensor's max abs").
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        let scale = Double(b.map { abs($0) }.max() ?? 0)
        let worst = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
        return scale > 0 ? worst / scale : worst
    }
}
