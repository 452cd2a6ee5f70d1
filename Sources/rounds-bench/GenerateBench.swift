// Inference throughput of the KV-cached decoder on the base model: prefill of a long
// prompt, batch-1 greedy decode, batch-8 nucleus sampling, and peak memory. Compared with
// llama.cpp and transformers by scripts/bench-generate.
import ArgumentParser
import Foundation
import Support
import Generation
import Llama
import Tensor

struct GenerateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Prefill, greedy decode and batched sampling rates of the KV-cached decoder.")

    @Option(help: "Model: a .gguf file or a Hugging Face folder.")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Threads for OpenBLAS and the kernels.")
    var threads = 2
    @Option(help: "Prompt length of the prefill measurement.")
    var promptTokens = 256
    @Option(help: "New tokens per sequence in the decode measurements.")
    var newTokens = 128
    @Option(help: "Sequences sampled together in the batched measurement.")
    var batch = 8
    @Option(help: "Repetitions of each measurement; the best is reported.")
    var repeats = 3
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @Flag(help: "Decode from the fp32 weights only (no lossless compact encodings).")
    var fp32 = false

    func validate() throws {
        guard threads > 0, promptTokens > 0, newTokens > 1, batch > 0, repeats > 0 else {
            throw ValidationError("--threads, --prompt-tokens, --batch and --repeats must be positive and --new-tokens at least 2, e.g. --threads 2")
        }
    }

    func run() throws {
        Threads.set(threads)
        let loadStart = DispatchTime.now()
        let llama = try LlamaModel.load(from: URL(fileURLWithPath: model))
        let loadSeconds = seconds(since: loadStart)
        let geometry = llama.decoderGeometry
        let compactStart = DispatchTime.now()
        let weights = fp32 ? llama.decoderWeights : llama.decoderWeights.compacted(geometry: geometry)
        let compactSeconds = seconds(since: compactStart)
        var random = SeededRandom(seed: 2024)
        // Token ids drawn from the ordinary-word range; content does not change the cost.
        let prompt = (0..<promptTokens).map { _ in Int32(100 + Int(random.next() % 30_000)) }
        let shortPrompt = Array(prompt.prefix(32))

        // 1. Prefill: one prompt of `promptTokens`.
        let prefillDecoder = IncrementalDecoder(weights: weights, geometry: geometry, slots: 1, capacity: promptTokens)
        let prefill = try fastest {
            prefillDecoder.cache.resetAll()
            let start = DispatchTime.now()
            _ = try prefillDecoder.prefill(prompts: [prompt], slots: [0])
            return seconds(since: start)
        }

        // 2. Batch-1 greedy decode (steps only, after a short prefill).
        let decoder = IncrementalDecoder(weights: weights, geometry: geometry, slots: 1, capacity: shortPrompt.count + newTokens)
        let V = geometry.vocabulary
        let decode = try fastest {
            decoder.cache.resetAll()
            var logits = try decoder.prefill(prompts: [shortPrompt], slots: [0])
            let start = DispatchTime.now()
            for _ in 0..<newTokens - 1 {
                var arg = 0
                for i in 1..<V where logits[i] > logits[arg] { arg = i }
                logits = try decoder.step(tokens: [Int32(arg)], slots: [0])
            }
            return seconds(since: start)
        }

        // 3. Batch sampling: `batch` samples of one prompt, temperature 0.7, top-p 0.9; every
        // generated token counts, the prompt's prefill is inside the timing.
        let generator = Generator(weights: weights, geometry: geometry, maxBatch: batch, compact: false)
        let parameters = SamplingParameters(temperature: 0.7, topP: 0.9, maxNewTokens: newTokens, stopAtEndOfTurn: false, seed: 1)
        var generated = 0
        let sampling = try fastest {
            let start = DispatchTime.now()
            let samples = try generator.generate(prompts: [shortPrompt], samplesPerPrompt: batch, parameters: parameters, endTokens: [])
            generated = samples.reduce(0) { $0 + $1.tokenCount }
            return seconds(since: start)
        }

        let figures: [String: Double] = [
            "threads": Double(threads), "load_seconds": loadSeconds, "compact_seconds": compactSeconds,
            "decode_mib_per_step": Double(weights.bytesPerStep(geometry: geometry)) / 1_048_576,
            "prefill_tokens": Double(promptTokens), "prefill_tok_s": Double(promptTokens) / prefill.wall,
            "decode_b1_tok_s": Double(newTokens - 1) / decode.wall,
            "sample_batch": Double(batch), "sample_tok_s": Double(generated) / sampling.wall,
            "peak_rss_mib": ResourceUsage.peakResidentMiB(),
            // Rates per CPU-second times the thread count: what an idle machine would give
            // if the threads scaled perfectly (an upper estimate when the machine is shared).
            "prefill_cpu_tok_s": Double(promptTokens) / prefill.cpu * Double(threads),
            "decode_b1_cpu_tok_s": Double(newTokens - 1) / decode.cpu * Double(threads),
            "sample_cpu_tok_s": Double(generated) / sampling.cpu * Double(threads),
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("rounds (\(model), \(threads) threads, best of \(repeats))")
            print(String(format: "  load              %8.2f s", loadSeconds))
            print(String(format: "  weights per step  %8.0f MiB", figures["decode_mib_per_step"]!)
                + (fp32 ? " (fp32)" : String(format: " (lossless compact where exact; encoding %.2f s)", compactSeconds)))
            print(String(format: "  prefill %4d tok   %8.1f tok/s", promptTokens, figures["prefill_tok_s"]!))
            print(String(format: "  decode batch 1    %8.1f tok/s (greedy)", figures["decode_b1_tok_s"]!))
            print(String(format: "  sample batch %-3d  %8.1f tok/s (T 0.7, top-p 0.9, %d new each)", batch, figures["sample_tok_s"]!, newTokens))
            print(String(format: "  peak memory       %8.0f MiB", figures["peak_rss_mib"]!))
            print(String(format: "  per CPU-second × threads: prefill %.1f, decode %.1f, sample %.1f tok/s",
                         figures["prefill_cpu_tok_s"]!, figures["decode_b1_cpu_tok_s"]!, figures["sample_cpu_tok_s"]!))
        }
    }

    /// Fastest of `repeats` runs; each run returns its own elapsed seconds. Also records
    /// the process CPU seconds of that run (on a loaded machine wall
    /// time measures the other processes; CPU time ÷ threads still estimates an idle run).
    private func fastest(_ body: () throws -> Double) rethrows -> (wall: Double, cpu: Double) {
        var best = (wall: Double.infinity, cpu: 0.0)
        for _ in 0..<repeats {
            let cpuStart = processCPUSeconds()
            let wall = try body()
            if wall < best.wall { best = (wall, processCPUSeconds() - cpuStart) }
        }
        return best
    }

    private func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    private func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
