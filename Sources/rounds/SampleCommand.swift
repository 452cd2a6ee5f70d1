import ArgumentParser
import FeedbackStore
import Foundation
import Generation
import Support
import Tokenizer
import Training

/// `rounds sample`: answers from a policy for the review queue.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample answers from a policy to the stored prompts and queue them for review.",
        discussion: """
            Each prompt gets --n answers, decoded as one batch. New answers are queued for correct/incorrect
            judgment, and paired with the baseline policy's answers (default: the production policy) so the
            new policy is compared head to head. Example: rounds sample --policy sft-v1 --n 2 --prompts 40
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var registry: RegistryOptions

    @Option(help: ArgumentHelp(ModelReference.help))
    var policy: String

    @Option(help: "Answers per prompt.")
    var n = 2

    @Option(help: "At most this many prompts (those lacking answers from this policy, oldest first).")
    var prompts: Int?

    @Option(help: "Only prompts of this split: train or heldout.")
    var split: Split?

    @Option(help: "Policy to pair the new answers with (default: the production policy).")
    var baseline: String?

    @Option(help: "Reviewers wanted per queued item.")
    var overlap = FeedbackStore.defaultOverlap

    @Option(help: "Sampling temperature (0 = greedy).")
    var temperature: Float = 0.7
    @Option(help: "Nucleus sampling mass (1 = off).")
    var topP: Float = 0.9
    @Option(help: "Top-k filter (0 = off).")
    var topK = 0
    @Option(help: "Most new tokens per answer.")
    var maxTokens = 256
    @Option(help: "Seed: the same seed, prompts and policy give the same answers.")
    var seed: UInt64 = 0
    @Option(help: "Chat format instead of the model's own: chatml, chatml-smollm or llama3.")
    var chatTemplate: String?

    func validate() throws {
        guard n >= 1, n <= 16 else { throw ValidationError("--n must be between 1 and 16, e.g. --n 2.") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1.") }
        if let prompts, prompts < 1 { throw ValidationError("--prompts must be at least 1.") }
    }

    func run() throws {
        let store = try database.open()
        let registry = self.registry.registry
        let name = try PolicyLoader.storeName(policy, registry: registry)
        let todo = try store.promptsNeedingSamples(policy: name, samplesPerPrompt: n, split: split, limit: prompts)
        guard !todo.isEmpty else {
            print("sample: every prompt already has \(n) answers from \(name); import more with `rounds prompts import`.")
            return
        }
        let chat = try ModelReference.chatModel(policy, registry: registry, template: chatTemplate, forSampling: true)
        let parameters = SamplingParameters(temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxTokens, seed: seed)
        let reporter = ProgressReporter("sample \(name)", total: todo.count * n, unit: "answers")
        let perBatch = max(1, 16 / n)
        var done = 0, tokens = 0
        for start in stride(from: 0, to: todo.count, by: perBatch) {
            let chunk = Array(todo[start..<min(start + perBatch, todo.count)])
            let conversations = chunk.map { $0.messages.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) } }
            // Each prompt's seed stream depends on the prompt id, not on how prompts are batched.
            var samples: [GeneratedSample] = []
            for (i, conversation) in conversations.enumerated() {
                var p = parameters
                p.seed = seed &+ UInt64(chunk[i].id!) &* 0x9E37_79B9
                samples += try chat.generate(conversations: [conversation], samplesPerPrompt: n, parameters: p)
                    .map { var s = $0; s.promptIndex = i; return s }
            }
            let rows = samples.map { s in
                FeedbackStore.NewSample(
                    promptID: chunk[s.promptIndex].id!, text: s.text, tokenCount: s.tokenCount, logprobSum: s.logProb,
                    temperature: Double(temperature), topP: Double(topP), topK: topK,
                    seed: Int64(bitPattern: seed &+ UInt64(chunk[s.promptIndex].id!) &* 0x9E37_79B9))
            }
            try store.addSamples(rows, policy: name)
            done += rows.count
            tokens += samples.reduce(0) { $0 + $1.tokenCount }
            reporter.update(done, detail: "\(tokens) tokens")
        }
        reporter.finish(detail: "\(tokens) tokens")
        let judgments = try store.enqueueJudgments(policy: name, overlap: overlap)
        var baselineName = baseline
        if baselineName == nil, let production = try registry.production(), production.name != name { baselineName = production.name }
        if let b = baselineName, try store.policy(named: b) == nil { baselineName = nil }
        let pairs = try store.enqueuePairs(newPolicy: name, baselinePolicy: baselineName, overlap: overlap)
        print("sample: \(done) answers from \(name) to \(todo.count) prompts; queued \(judgments) for judgment and \(pairs) pairs\(baselineName.map { " against \($0)" } ?? "")")
    }
}

