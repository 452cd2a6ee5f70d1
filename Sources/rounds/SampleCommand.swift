import ArgumentParser
import FeedbackStore
import Foundation
import Generation
import Loop
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
        var options = QueueSampler.Options()
        options.samplesPerPrompt = n
        options.promptLimit = prompts
        options.split = split
        options.overlap = overlap
        options.sampling = SamplingParameters(temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxTokens, seed: seed)
        let sampler = QueueSampler(store: store)
        if try sampler.todo(policy: name, options: options).isEmpty {
            print("sample: every prompt already has \(n) answers from \(name); import more with `rounds prompts import`.")
        }
        var baselineName = baseline
        if baselineName == nil, let production = try registry.production(), production.name != name { baselineName = production.name }
        let summary = try sampler.run(
            policy: name, chat: try ModelReference.chatModel(policy, registry: registry, template: chatTemplate, forSampling: true),
            baseline: baselineName, options: options)
        print("sample: \(summary)")
    }
}
