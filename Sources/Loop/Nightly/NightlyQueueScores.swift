import FeedbackStore
import Foundation
import Tokenizer
import Training

extension NightlyRun {
    /// When the queue order is informative: scores the open queue (the morning's new items
    /// and what is left of earlier ones) with tonight's reward model and the reviewers'
    /// votes (QueueInformation), so the first draw of the day reads fresh scores. Nothing
    /// to do under oldest-first.
    func scoreQueue(rewardModel: String) throws {
        guard try store.queueOrderSettings().order == .informative else { return }
        let (reward, loaded) = try RewardModel.load(rewardModel, registry: registry)
        let encoder = PreferenceEncoder(tokenizer: loaded.tokenizer, template: try ChatTemplate.forTokenizer(loaded.tokenizer, override: nil),
                                        maxLength: config.maxLength, maxPromptLength: config.maxPromptLength)
        let scored = try QueueInformation(store: store).refresh(models: .init(reward: reward, encoder: encoder))
        log("queue order informative: scored \(scored) open items with \(rewardModel)")
    }
}
