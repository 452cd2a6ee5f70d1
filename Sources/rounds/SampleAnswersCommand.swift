import ArgumentParser
import FeedbackStore
import Foundation
import Generation
import Loop
import Training

/// `rounds sample-answers`: answers from a policy for the review queue.
struct SampleAnswersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-answers",
        abstract: "Sample answers from a policy to the stored prompts and queue them for review (answers made elsewhere: rounds answers import).",
        discussion: """
            Each prompt gets --n answers, decoded as one batch. New answers are queued for correct/incorrect
            judgment, and paired with the baseline policy's answers (default: the production policy) so the
            new policy is compared head to head. Example: rounds sample-answers --policy sft-v1 --n 2 --prompts 40
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var registry: RegistryOptions
    @Option(help: ArgumentHelp(ModelReference.help)) var policy: String
    @Option(help: "Answers per prompt.") var n = 2
    @Option(help: "At most this many prompts (those lacking answers from this policy, oldest first).") var prompts: Int?
    @Option(help: "Only prompts of this split: train or heldout.") var split: Split?
    @Option(help: "Policy to pair the new answers with (default: the production policy).") var baseline: String?
    @OptionGroup var overlap: OverlapOptions
    @OptionGroup var sampling: SamplingOptions<ReviewSampling>
    @Option(help: "Chat format instead of the model's own: chatml, chatml-smollm or llama3.") var chatTemplate: String?

    @Option(help: "Reward model to score the queue with when the queue order is informative (rounds queue order).") var reward: String?

    func validate() throws {
        guard n >= 1, n <= 16 else { throw ValidationError("--n must be between 1 and 16, e.g. --n 2.") }
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
        options.overlap = overlap.overlap
        options.sampling = sampling.parameters()
        let sampler = QueueSampler(store: store)
        if try sampler.todo(policy: name, options: options).isEmpty {
            print("sample-answers: every prompt already has \(n) answers from \(name); import more with `rounds prompts import`.")
        }
        var baselineName = baseline
        if baselineName == nil, let production = try registry.production(), production.name != name { baselineName = production.name }
        let summary = try sampler.run(
            policy: name, chat: try PolicyLoader.chatModel(policy, registry: registry, template: chatTemplate, forSampling: true),
            baseline: baselineName, options: options)
        print("sample-answers: \(summary)")
        // The informative order reads stored scores: give the new items theirs now.
        if try store.queueOrderSettings().order == .informative {
            if let reward {
                let scored = try QueueInformation(store: store).refresh(models: try QueueCommand.Score.models(reward: reward, registry: registry))
                print("sample-answers: scored \(scored) open items with \(reward) (queue order informative)")
            } else {
                print("sample-answers: the queue order is informative; score the new items with: rounds queue score --reward NAME")
            }
        }
    }
}
