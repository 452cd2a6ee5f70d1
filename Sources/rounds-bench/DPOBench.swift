// Throughput of a DPO training step on the base model with a LoRA policy, as
// scripts/peers/torch_train.py --mode dpo measures PyTorch's: B pairs whose chosen and
// rejected rows are T tokens each (a shared prompt of T/4 tokens), one step = forward over
// the 2B rows, sigmoid loss, backward, clip, AdamW. Rounds computes the reference log-probs
// once per run (reported separately); the peer recomputes them inside every step, as TRL does
// with a PEFT policy.
import ArgumentParser
import Foundation
import Llama
import Support
import Tensor
import Training

struct DPOBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo", abstract: "Seconds per DPO step and tokens/s (LoRA on every projection), reference pass apart.")

    @Option(help: "Model: a .gguf file or a Hugging Face folder.")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Pairs per step.")
    var batch = 4
    @Option(help: "Tokens per sequence (prompt T/4 + completion).")
    var seq = 256
    @Option(help: "Measured steps (after one warm-up step); the median is reported.")
    var steps = 3
    @Option(help: "LoRA rank (alpha = 2·rank, all seven projections).")
    var rank = 16
    @Option(help: "Threads for OpenBLAS and the kernels.")
    var threads = 2
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard batch > 0, seq >= 8, steps > 0, rank > 0, threads > 0 else {
            throw ValidationError("--batch, --steps, --rank and --threads must be positive and --seq at least 8, e.g. --seq 256")
        }
    }

    func run() throws {
        Threads.set(threads)
        let llama = try LlamaModel.load(from: URL(fileURLWithPath: model))
        llama.adapter = LoRAAdapter(model: llama.config, configuration: LoRAConfiguration(rank: rank, alpha: Float(2 * rank), seed: 0))
        // Random ids from the ordinary-word range: content does not change the cost.
        var random = SeededRandom(seed: 1)
        func ids(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(100 + Int(random.next() % 30_000)) } }
        let promptLength = seq / 4
        let pairs = (0..<(batch * (steps + 1))).map { _ in
            PreferencePair(prompt: ids(promptLength), chosen: ids(seq - promptLength), rejected: ids(seq - promptLength))
        }
        var p = DPOTrainer.Parameters()
        p.batchSize = batch
        p.epochs = 1
        p.learningRate = 1e-5
        p.warmupSteps = 0
        p.checkpointEvery = 0
        var stamps: [Date] = []
        let started = Date()
        let result = try DPOTrainer.train(model: llama, pairs: pairs, parameters: p, checkpoint: nil, resume: false, runKey: "bench") { _ in
            stamps.append(Date())
            return true
        }
        // Step k's time: from the end of step k−1 (or of the reference pass) to the end of step k.
        let firstStart = started.addingTimeInterval(result.referenceSeconds)
        let durations = stamps.indices.map { stamps[$0].timeIntervalSince($0 == 0 ? firstStart : stamps[$0 - 1]) }
        let measured = Array(durations.dropFirst()).sorted()
        let perStep = measured[measured.count / 2]
        let tokensPerStep = 2 * batch * seq
        let figures: [String: Double] = [
            "seconds_per_step": perStep, "tokens_per_second": Double(tokensPerStep) / perStep,
            "tokens_per_step": Double(tokensPerStep),
            "reference_seconds_per_step_batch": result.referenceSeconds / Double(steps + 1),
            "reference_tokens_per_second": Double(tokensPerStep * (steps + 1)) / result.referenceSeconds,
            "peak_rss_mib": ResourceUsage.peakResidentMiB(),
        ]
        if json {
            var object: [String: Any] = figures
            object["mode"] = "dpo"
            object["batch"] = batch
            object["seq"] = seq
            object["rank"] = rank
            object["threads"] = threads
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("DPO step, \(batch) pairs × 2 rows × \(seq) tokens, LoRA r=\(rank) on q,k,v,o,gate,up,down, \(threads) threads")
        print(String(format: "  step              %8.3f s/step  %8.0f tokens/s (median of %d)", perStep, figures["tokens_per_second"]!, measured.count))
        print(String(format: "  reference pass    %8.3f s per %d pairs (once per run, cached)  %8.0f tokens/s",
                     figures["reference_seconds_per_step_batch"]!, batch, figures["reference_tokens_per_second"]!))
        print(String(format: "  peak memory       %8.0f MiB", figures["peak_rss_mib"]!))
    }
}
