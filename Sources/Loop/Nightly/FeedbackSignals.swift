import FeedbackStore
import Foundation

/// What the night learns from besides verdicts and preferences (`signals` in
/// `feedback/nightly.json`):
///
/// - **Severe harm.** An answer rated severe harm (harm extent "severe or death") is an
///   undesirable example whatever its verdict, and its loss counts `severeHarmKTOWeight`
///   times in KTO (w_i in `KTO.loss`: the example's loss and gradient are multiplied by it)
///   and `severeHarmRewardWeight` times in the reward model's pointwise loss (e_i in
///   `RewardLoss.pointwise`). 4 by default: one severe-harm rating weighs as much as four
///   ordinary "incorrect" ones, so a rare dangerous answer is not drowned by many merely
///   wrong ones, yet a handful of ratings cannot swamp a night's feedback.
/// - **Both bad.** A "both bad" comparison gives both answers as undesirable examples (KTO
///   and the reward model's pointwise loss, weight 1) instead of being left out — unless
///   another reviewer's rating of the same two answers states a preference (the item is then
///   disputed, and left out as before).
/// - **Corrections.** A correction is used twice: as a preference pair, chosen = the
///   corrected answer, rejected = the answer the reviewer corrected (DPO and the reward
///   model's Bradley-Terry loss), and as a desirable example (KTO). The night runs no SFT:
///   `rounds export --format sft` gives the corrections as SFT examples for `rounds sft`.
public struct FeedbackSignals: Codable, Equatable, Sendable {
    public var severeHarmKTOWeight = 4.0
    public var severeHarmRewardWeight = 4.0
    public var bothBadAsNegatives = true
    public var corrections = true
    public init() {}

    func validate(path: String) throws {
        for (field, weight) in [("signals.severeHarmKTOWeight", severeHarmKTOWeight), ("signals.severeHarmRewardWeight", severeHarmRewardWeight)]
        where !(weight > 0 && weight.isFinite) {
            throw NightlyConfig.ConfigError.invalid(path: path, field: field, reason: "must be a finite weight above 0 (1 = like any incorrect answer)")
        }
    }

    /// What the manifest records about these signals and how much of each the night had.
    func manifestEntries(_ feedback: NightlyFeedback) -> [String: String] {
        [
            "severe_harm_kto_weight": "\(severeHarmKTOWeight)",
            "severe_harm_reward_weight": "\(severeHarmRewardWeight)",
            "severe_harm_judgments": "\(feedback.severeJudgments)",
            "both_bad_as_negatives": "\(bothBadAsNegatives)",
            "both_bad_negative_examples": "\(feedback.bothBadNegatives)",
            "corrections_use": corrections ? "dpo chosen (correction over original) and reward-model pairs; kto desirable" : "not used",
            "correction_pairs": "\(feedback.correctionPairs)",
        ]
    }
}
