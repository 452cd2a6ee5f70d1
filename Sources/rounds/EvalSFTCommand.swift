import ArgumentParser
import Foundation
import Generation
import Loop
import RoundsSimulation
import Tensor
import Tokenizer
import Training

/// `rounds eval-sft`: does the supervised policy beat the model it came from? A blind
/// comparison on prompts the SFT never saw, rated by the simulated reviewers' rule.
struct EvalSFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-sft",
        abstract: "Compare a policy with its base on held-out prompts, rated by the simulated reviewers' rule.",
        discussion: """
            Samples --n answers per prompt from both models with the main job's sampling settings
            (temperature 0.7, top-p 0.9, 128 tokens), pairs sample i of one with sample i of the other, and
            rates every answer and pair with the simulated reviewers' rule (scripted triage rule plus the
            clinician's tie-breaks; no noisy reviewer). Prints wins / ties / losses, the win rate (ties half)
            with a 95% bootstrap interval over prompts (the decision) and a Wilson interval, correct rates
            with intervals, and how often answers hit the token cap, end unfinished, repeat a sentence, answer
            in the wrong language or never mention a doctor or pharmacist.
            Prompt files: JSONL of {"prompt": …} (prompts.jsonl) or {"messages": […]} (the final assistant
            turn is dropped; system messages too unless --keep-system, as the review queue's prompts have none).
            Example: rounds eval-sft --candidate sft-v1 --prompts feedback/seed/sft-heldout.jsonl --n 4
            """)

    @OptionGroup var registry: RegistryOptions
    @Option(help: "The policy under test.") var candidate = "sft-v1"
    @Option(help: "The policy it is compared with.") var baseline = "policies/base"
    @Option(parsing: .singleValue, help: "Prompt files (repeat for several); none given: feedback/seed/sft-heldout.jsonl.") var prompts: [String] = []
    @Flag(help: "Keep the system messages of {\"messages\": …} prompts (default: drop them, as the review queue does).") var keepSystem = false
    @Option(help: "Use only the first N prompts.") var limit: Int?
    @Option(name: .customLong("n"), help: "Answers per prompt and policy.") var samples = 4
    @OptionGroup var sampling: SamplingOptions<MainJobSampling>
    @Option(help: "Threads for the matrix kernels (default: all cores).") var threads: Int?
    @Option(help: "Write every answer with its shape and every pair's outcome to this JSON file.") var answers: String?
    @Option(help: "Reuse the baseline's answers from an earlier --answers file (same prompts, --n and sampling settings) instead of sampling them again.") var reuseBaseline: String?

    func validate() throws {
        guard samples >= 1, samples <= 8 else { throw ValidationError("--n must be 1 to 8.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let files = prompts.isEmpty ? ["feedback/seed/sft-heldout.jsonl"] : prompts
        var list: [PolicyComparison.Prompt] = []
        for file in files { list += try Self.readPrompts(file, keepSystem: keepSystem) }
        if let limit { list = Array(list.prefix(limit)) }
        guard !list.isEmpty else { throw ValidationError("no prompts in \(files.joined(separator: ", "))") }
        let registry = self.registry.registry
        let parameters = sampling.parameters()
        let start = Date()
        var cached: [PolicyComparison.Answer]?
        if let reuseBaseline {
            let dump = try JSONDecoder().decode(Dump.self, from: Data(contentsOf: URL(fileURLWithPath: reuseBaseline)))
            guard dump.prompts == list.map(\.reviewText), dump.baseline.count == list.count * samples, dump.sampling == parameters,
                  dump.baselineName == baseline else {
                throw ValidationError("\(reuseBaseline) holds answers to other prompts, another --n, other sampling settings or another baseline")
            }
            cached = dump.baseline
        }
        let result = try PolicyComparison.run(
            prompts: list,
            candidate: (candidate, try PolicyLoader.chatModel(candidate, registry: registry, template: nil, forSampling: true)),
            baseline: (baseline, cached != nil ? nil : try PolicyLoader.chatModel(baseline, registry: registry, template: nil, forSampling: true)),
            samplesPerPrompt: samples, parameters: parameters, baselineAnswers: cached, progress: { log("eval-sft: " + $0) })
        print("prompts: \(files.joined(separator: ", "))\(keepSystem ? " (system messages kept)" : "")")
        print("sampling: temperature \(parameters.temperature), top-k \(parameters.topK), top-p \(parameters.topP), \(parameters.maxNewTokens) tokens at most, stop at end of turn, seed \(parameters.seed)")
        print(result.report(candidateName: candidate, baselineName: baseline, prompts: list.count, samplesPerPrompt: samples))
        print(String(format: "(%.0f s)", Date().timeIntervalSince(start)))
        if let answers {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(Dump(prompts: list.map(\.reviewText), sampling: parameters, baselineName: baseline, candidate: result.candidate, baseline: result.baseline, pairs: result.pairs))
                .write(to: URL(fileURLWithPath: answers))
        }
    }

    struct Dump: Codable {
        var prompts: [String]
        var sampling: SamplingParameters
        var baselineName: String
        var candidate: [PolicyComparison.Answer]
        var baseline: [PolicyComparison.Answer]
        var pairs: [PolicyComparison.Pair]
    }

    /// {"prompt": …} lines become one user turn; {"messages": […]} lines lose a final
    /// assistant turn (and system messages unless `keepSystem`).
    static func readPrompts(_ path: String, keepSystem: Bool) throws -> [PolicyComparison.Prompt] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [PolicyComparison.Prompt] = []
        for (i, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let prompt = object?["prompt"] as? String {
                out.append(.init(messages: [.user(prompt)], reviewText: prompt))
                continue
            }
            var messages = try ChatExample(jsonLine: String(line), file: path, line: i + 1).messages
            if messages.last?.role == "assistant" { messages.removeLast() }
            if !keepSystem { messages.removeAll { $0.role == "system" } }
            guard let user = messages.last(where: { $0.role == "user" }) else {
                throw ValidationError("\(path):\(i + 1): no user message to answer")
            }
            out.append(.init(messages: messages, reviewText: user.content))
        }
        return out
    }
}
