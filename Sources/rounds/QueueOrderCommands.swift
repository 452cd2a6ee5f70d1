import ArgumentParser
import FeedbackStore
import Foundation
import Loop
import Tokenizer
import Training

extension QueueCommand {
    /// `rounds queue order [oldest|informative] [--random-share X]`.
    struct Order: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set the order reviewers get items in: oldest first, or most informative first.",
            discussion: """
                informative: the open item with the highest stored information score (reward-model margin near
                zero, reward model against the policy's implicit reward, reviewers who disagree; rounds queue score),
                except for a random share of draws that take a uniformly random open item. Each rating records how
                its item was drawn; win rates in rounds stats use the oldest-first and random draws only.
                Defaults: oldest, random share \(QueueOrderSettings.defaultRandomShare).
                Example: rounds queue order informative --random-share 0.2
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "oldest or informative (omit to show the setting).") var order: QueueOrder?
        @Option(help: "Share of informative draws that take a uniformly random open item, 0–1.") var randomShare: Double?

        func validate() throws {
            if let randomShare, !(0...1).contains(randomShare) { throw ValidationError("--random-share must be 0–1, e.g. --random-share 0.2") }
        }

        func run() throws {
            let store = order == nil && randomShare == nil ? try database.openExisting() : try database.open()
            if order != nil || randomShare != nil {
                try store.setQueueOrder(order, randomShare: randomShare, by: try Identity.lead(store, for: "changing the queue order"))
            }
            let settings = try store.queueOrderSettings()
            print("queue order \(settings.order.rawValue); random share of informative draws \(settings.randomShare)")
        }
    }

    /// `rounds queue score [--reward NAME [--policy NAME --reference NAME]]`.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store an information score for every open item, read by the informative order.",
            discussion: """
                Without --reward, only reviewers' disagreement on items rated by two or more counts. With --reward,
                the reward model's margin (pairs: r(A) − r(B); single answers: r − --threshold) counts too, and with
                --policy and --reference also the disagreement between the reward model and the policy's implicit
                reward β·log π/π_ref.
                Example: rounds queue score --reward nightly-12-rm --policy nightly-12 --reference sft-v1
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var registry: RegistryOptions
        @Option(help: "Reward model (registry name).") var reward: String?
        @Option(help: "For single answers: the reward a correct answer is expected to clear.") var threshold = 0.0
        @Option(help: "Policy whose implicit reward is compared with the reward model (needs --reference).") var policy: String?
        @Option(help: "Reference policy of the implicit reward.") var reference: String?
        @Option(help: "β of the implicit reward.") var beta = DPO.Parameters().beta

        func validate() throws {
            if (policy == nil) != (reference == nil) { throw ValidationError("--policy and --reference go together, e.g. --policy v3 --reference v2") }
            if policy != nil && reward == nil { throw ValidationError("--policy needs --reward NAME: the implicit reward is compared with the reward model") }
            guard threshold.isFinite, beta > 0 else { throw ValidationError("--threshold must be a number and --beta above 0, e.g. --beta 0.1") }
        }

        func run() throws {
            let store = try database.openExisting()
            let models = try reward.map {
                try Self.models(reward: $0, threshold: threshold, policy: policy, reference: reference, beta: beta, registry: registry.registry)
            }
            let scored = try QueueInformation(store: store).refresh(models: models)
            print("Scored \(scored) open items" + (reward.map { " with reward model \($0)" } ?? " from reviewers' disagreement") + ".")
        }

        /// The reward model `reward`, and the implicit reward of `policy` against `reference` when both are given.
        static func models(reward: String, threshold: Double = 0, policy: String? = nil, reference: String? = nil,
                           beta: Double = DPO.Parameters().beta, registry: PolicyRegistry) throws -> QueueInformation.Models {
            let (model, loaded) = try RewardModel.load(reward, registry: registry)
            let encoder = PreferenceEncoder(tokenizer: loaded.tokenizer, template: try ChatTemplate.forTokenizer(loaded.tokenizer))
            var implicit: (([CompletionSequence]) throws -> [Double])?
            if let policy, let reference {
                let (pi, ref) = try (PolicyLoader.load(policy, registry: registry), PolicyLoader.load(reference, registry: registry))
                implicit = { sequences in
                    let a = try CompletionScoring.logprobs(model: pi.model, sequences: sequences, batchSize: 4)
                    let b = try CompletionScoring.logprobs(model: ref.model, sequences: sequences, batchSize: 4)
                    return zip(a, b).map { beta * ($0 - $1) }
                }
            }
            return QueueInformation.Models(reward: model, encoder: encoder, threshold: threshold, implicitReward: implicit)
        }
    }
}

extension QueueOrder: ExpressibleByArgument {}
