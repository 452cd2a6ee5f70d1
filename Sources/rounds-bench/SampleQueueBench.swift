// Answers to a queue of chat prompts, as the nightly run samples them for review: each answer
// ends at the end of its turn (or at the token limit), so answers differ in length. Timed two
// ways on the same model, prompts and random streams: in fixed batches (one `generate` call per
// batch of prompts, which decodes until its longest answer ends: the sampler's way before
// continuous batching) and continuously (one call; a waiting prompt takes the slots of answers
// that ended). Both prefill the prompts' shared first tokens once per call.
import ArgumentParser
import Foundation
import Generation
import Tensor
import Tokenizer
import Training

struct SampleQueueBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-queue",
        abstract: "Sampling answers to a queue of chat prompts: fixed batches against continuous batching.")

    @Option(help: "Model: a .gguf file, a Hugging Face folder, or a policy's name or folder (a LoRA policy samples as the nightly run does: the base's compact weights plus the adapter's product).")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "The policy folder that --model names a policy of.")
    var policies = "policies"
    @Option(help: "JSONL of {\"prompt\": …}, the first --count of which are the queue.")
    var prompts = "feedback/seed/prompts.jsonl"
    @Option(help: "Prompts in the queue.")
    var count = 16
    @Option(help: "Answers per prompt.")
    var samples = 2
    @Option(help: "Most new tokens per answer.")
    var maxNewTokens = 128
    @Option(help: "Sequences decoded together.")
    var batch = 8
    @Option(help: "Threads for OpenBLAS and the kernels.")
    var threads = 2
    @Option(help: "Runs of each way, alternating; the fastest counts.")
    var repeats = 2
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard count > 0, samples > 0, maxNewTokens > 0, batch >= samples, threads > 0, repeats > 0 else {
            throw ValidationError("--count, --samples, --max-new-tokens, --threads and --repeats must be positive and --batch at least --samples, e.g. --count 16 --samples 2 --batch 8")
        }
    }

    func run() throws {
        Threads.set(threads)
        let chat = try PolicyLoader.chatModel(model, registry: PolicyRegistry(root: URL(fileURLWithPath: policies)), forSampling: true)
        let queue = try readPrompts()
        let parameters = SamplingParameters(temperature: 0.7, topP: 0.9, maxNewTokens: maxNewTokens, seed: 1)
        let streams = queue.indices.map(UInt64.init)
        let perBatch = max(1, batch / samples)
        _ = try chat.generate(conversations: [queue[0]], samplesPerPrompt: 1,
                              parameters: SamplingParameters(temperature: 0, maxNewTokens: 2), maxBatch: batch)

        func batches() throws -> [GeneratedSample] {
            var out: [GeneratedSample] = []
            for start in stride(from: 0, to: queue.count, by: perBatch) {
                let range = start..<min(start + perBatch, queue.count)
                out += try chat.generate(conversations: Array(queue[range]), samplesPerPrompt: samples, parameters: parameters,
                                         maxBatch: batch, streams: Array(streams[range]))
            }
            return out
        }
        func continuous() throws -> [GeneratedSample] {
            try chat.generate(conversations: queue, samplesPerPrompt: samples, parameters: parameters, maxBatch: batch,
                              streams: streams)
        }
        var best = (batches: (seconds: Double.infinity, tokens: 0), continuous: (seconds: Double.infinity, tokens: 0))
        for _ in 0..<repeats {
            let a = try timed(batches)
            if a.seconds < best.batches.seconds { best.batches = a }
            let b = try timed(continuous)
            if b.seconds < best.continuous.seconds { best.continuous = b }
        }
        let figures: [String: Any] = [
            "prompts": queue.count, "samples_per_prompt": samples, "max_new_tokens": maxNewTokens, "batch": batch,
            "threads": threads,
            "batches_tokens": best.batches.tokens, "batches_seconds": best.batches.seconds,
            "batches_tok_s": Double(best.batches.tokens) / best.batches.seconds,
            "continuous_tokens": best.continuous.tokens, "continuous_seconds": best.continuous.seconds,
            "continuous_tok_s": Double(best.continuous.tokens) / best.continuous.seconds,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let ids = try queue.map(chat.promptIDs)
        print("prompts: \(ids.reduce(0) { $0 + $1.count }) tokens, the first \(Generator.sharedPrefix(ids)) shared by all (prefilled once)")
        print("\(queue.count) prompts × \(samples) answers (T 0.7, top-p 0.9, end of turn or \(maxNewTokens) tokens), "
              + "\(batch) sequences together, \(threads) threads, best of \(repeats):")
        for (name, run) in [("fixed batches", best.batches), ("continuous", best.continuous)] {
            print(String(format: "  %-14@ %6d tokens in %6.2f s  %7.1f tok/s", name, run.tokens, run.seconds,
                         Double(run.tokens) / run.seconds))
        }
        print(String(format: "  continuous / fixed batches: %.2f× the tokens per second",
                     (Double(best.continuous.tokens) / best.continuous.seconds) / (Double(best.batches.tokens) / best.batches.seconds)))
    }

    private func timed(_ body: () throws -> [GeneratedSample]) throws -> (seconds: Double, tokens: Int) {
        let start = Date()
        let answers = try body()
        return (Date().timeIntervalSince(start), answers.reduce(0) { $0 + $1.tokenCount })
    }

    private func readPrompts() throws -> [[ChatMessage]] {
        let text = try String(contentsOfFile: prompts, encoding: .utf8)
        var queue: [[ChatMessage]] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty && queue.count < count {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let prompt = object["prompt"] as? String else {
                throw ValidationError("\(prompts):\(number + 1): expected a JSON object with a \"prompt\" string")
            }
            queue.append([.user(prompt)])
        }
        guard queue.count == count else {
            throw ValidationError("\(prompts) has \(queue.count) prompts; --count asks for \(count)")
        }
        return queue
    }
}
