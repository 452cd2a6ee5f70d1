import ArgumentParser
import Foundation
import Llama
import Support
import Tensor
import Training

/// `rounds-bench train`: throughput of a whole training step of the Llama core on a batch of
/// random tokens (forward, backward, global-norm clip, AdamW), full fine-tuning or LoRA, the
/// machine's sgemm rate measured in the same process, model-FLOPs utilization against it, and
/// the peak resident memory. scripts/peers/torch_train.py times the same step in PyTorch.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training-step throughput (tokens/s of forward + backward) and peak memory of the Llama core.")

    @Option(help: "The model: a .gguf file or a Hugging Face folder.")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Sequences per batch.")
    var batch = 4

    @Option(help: "Tokens per sequence.")
    var tokens = 256

    @Option(help: "Timed steps after one warm-up step.")
    var steps = 3

    @Option(help: "Worker threads for the kernels and OpenBLAS.")
    var threads = 2

    @Option(help: "What to train: full (every base weight), lora (rank-16 adapters on all projections) or qlora (the same adapters on a frozen 4-bit base).")
    var mode = "full"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard batch >= 1, tokens >= 2 else { throw ValidationError("--batch must be ≥ 1 and --tokens ≥ 2, e.g. --batch 4 --tokens 256") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, e.g. --steps 3") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, e.g. --threads 2") }
        guard ["full", "lora", "qlora"].contains(mode) else { throw ValidationError("--mode must be full, lora or qlora, e.g. --mode lora") }
    }

    func run() throws {
        Threads.set(threads)
        let t0 = Date()
        let llama = try LlamaModel.load(from: URL(fileURLWithPath: model), frozenBase: mode == "qlora")
        if !json { print("loaded \(model) (\(llama.layout.count) parameters) in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s") }
        if mode == "full" {
            llama.trainsBase = true
        } else {
            llama.adapter = LoRAAdapter(model: llama.config, configuration: LoRAConfiguration(rank: 16, alpha: 32, seed: 1))
        }
        let groups = try ParameterGroups(model: llama, weightDecay: 0.01)
        // Random ids (fixed seed), every next token scored, like an SFT batch.
        var state: UInt64 = 42
        let ids = (0..<batch).map { _ in
            (0..<tokens).map { _ -> Int32 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int32((state >> 33) % UInt64(llama.config.vocabularySize))
            }
        }
        let tokenBatch = try TokenBatch(ids: ids, promptLengths: Array(repeating: 1, count: batch))
        let dLogprobs = tokenBatch.targetMask.map { $0.map { $0 ? Float(-1) : 0 } }
        let cfg = llama.config
        // The sgemm ceiling is measured before and after the steps (the higher one counts), with
        // the kernels in use and, when those are older than the CPU's best, with the best ones.
        let machine = MachineBench.measure()
        let ceilingBefore = BLASStatus.sgemmRate(m: batch * tokens, k: cfg.hiddenSize, n: cfg.intermediateSize)
        var forwardTime = 0.0, backwardTime = 0.0, optimizerTime = 0.0
        for step in 0...steps {
            let a = Date()
            _ = try llama.forward(tokenBatch, training: true)
            let b = Date()
            llama.zeroGrad()
            try llama.backward(dLogprobs: dLogprobs)
            let c = Date()
            _ = groups.clip(maxNorm: 1)
            groups.update(lr: 1e-5)
            let d = Date()
            if step > 0 {
                forwardTime += b.timeIntervalSince(a)
                backwardTime += c.timeIntervalSince(b)
                optimizerTime += d.timeIntervalSince(c)
            }
            if !json {
                print("step \(step)\(step == 0 ? " (warm-up)" : ""): forward \(ms(b.timeIntervalSince(a))), "
                      + "backward \(ms(c.timeIntervalSince(b))), clip + AdamW \(ms(d.timeIntervalSince(c)))")
            }
        }
        let n = Double(batch * tokens * steps)
        let stepTime = forwardTime + backwardTime + optimizerTime
        // Weight FLOPs per step: transformer Linears and the LM head, each forward, d input and
        // d weight unless frozen (the LM head's logits are kept from the forward, so nothing
        // is recomputed).
        let linear = Double(cfg.layerCount * cfg.hiddenSize * (2 * cfg.headCount * cfg.headDim
            + 2 * cfg.kvHeadCount * cfg.headDim + 3 * cfg.intermediateSize))
        let head = Double(cfg.vocabularySize * cfg.hiddenSize)
        let passes = mode == "full" ? (3.0, 3.0) : (2.0, 2.0)
        let flops = 2 * n * (passes.0 * linear + passes.1 * head)
        let achieved = flops / stepTime / 1e9
        // PaLM's model FLOPs (Chowdhery et al. 2022, appendix B) add attention, 12·L·(H·D)·T per
        // token for forward and backward, and here the adapters' rank-r products: forward
        // 2·r·(in + out) per projection, backward twice that.
        let attention = 12 * Double(cfg.layerCount * cfg.headCount * cfg.headDim * tokens)
        let adapterWidths = 2 * (cfg.hiddenSize + cfg.headCount * cfg.headDim) + 2 * (cfg.hiddenSize + cfg.kvHeadCount * cfg.headDim)
            + 3 * (cfg.hiddenSize + cfg.intermediateSize)
        let adapters = mode == "full" ? 0 : 6 * 16 * Double(adapterWidths * cfg.layerCount)
        let palmAchieved = (flops + n * (attention + adapters)) / stepTime / 1e9
        let inUse = max(ceilingBefore, BLASStatus.sgemmRate(m: batch * tokens, k: cfg.hiddenSize, n: cfg.intermediateSize))
        // The best kernels' rate scaled to this product's shape by the in-use kernels' ratio.
        let ceiling = inUse * machine.ceilingGFLOPs / machine.sgemmGFLOPs
        let figures: [String: Any] = [
            "mode": mode, "batch": batch, "tokens": tokens, "threads": threads,
            "tokens_per_second": n / stepTime, "forward_tokens_per_second": n / forwardTime,
            "seconds_per_step": stepTime / Double(steps), "optimizer_seconds_per_step": optimizerTime / Double(steps),
            "gemm_gflops": achieved, "sgemm_gflops": ceiling, "sgemm_gflops_kernels_in_use": inUse,
            "blas_kernel": machine.blas.kernel, "cpu": machine.cpu.brand, "cpu_level": machine.cpu.level, "mfu_of_sgemm": achieved / ceiling,
            "palm_gflops": palmAchieved, "palm_mfu_of_sgemm": palmAchieved / ceiling,
            "peak_rss_mib": ResourceUsage.peakResidentMiB(),
            "parameter_buffer_mib": Double(llama.parameters.count * 4) / 1_048_576,
            "frozen_base_mib": Double(llama.frozenBase?.summary.bytes ?? 0) / 1_048_576,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(String(format: "GEMM work %.0f GFLOP/s of the step vs the best sgemm of this CPU %.0f GFLOP/s on a (%d×%d)·(%d×%d) product now (%.0f%%)",
                     achieved, ceiling, batch * tokens, cfg.hiddenSize, cfg.hiddenSize, cfg.intermediateSize, 100 * achieved / ceiling))
        print(String(format: "with attention and adapters (PaLM's model FLOPs): %.0f GFLOP/s (%.0f%%)", palmAchieved, 100 * palmAchieved / ceiling))
        print(String(format: "%@ B=%d T=%d threads=%d: %.1f tokens/s (forward alone %.1f tokens/s), peak RSS %.2f GB",
                     mode, batch, tokens, threads, n / stepTime, n / forwardTime, ResourceUsage.peakResidentMiB() / 1024))
    }

    private func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
}
