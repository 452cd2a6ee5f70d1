import FeedbackStore
import Foundation
import Support
import Tokenizer
import Training

/// The clinicians' feedback one nightly run uses, as the trainers take it (chat messages):
/// the snapshot's training-split comparisons and judgments, and every live held-out rating
/// for the evaluation gates. Ties and both-bad comparisons state no preference and are left out.
///
/// Several reviewers rate the same item (`sampling.overlap`), so ratings are resolved per
/// item first (`RatingVotes`): two reviewers who disagree about the same two answers state no
/// preference between them, and training on both directions would teach nothing — the two
/// pairs have the same length, land in the same batch and cancel (DPO's step then logs
/// logps/chosen = logps/rejected). Training keeps every rating that agrees with the item's
/// majority; an item without a majority, and outvoted ratings, are left out and counted.
/// Held-out items count once each (one unit of evidence per item, not per rating).
struct NightlyFeedback {
    typealias Pair = Training.PreferencePair<[Tokenizer.ChatMessage]>
    typealias Judgment = Training.LabelledCompletion<[Tokenizer.ChatMessage]>

    var pairs: [Pair] = [], pairSources: [String] = [], pairIDs: [Int64] = [], pairPromptIDs: [Int64] = []
    var judgments: [Judgment] = [], judgmentSources: [String] = [], judgmentIDs: [Int64] = [], judgmentPromptIDs: [Int64] = []
    var heldOutPairs: [Pair] = [], heldOutPairSources: [String] = [], heldOutPairPromptIDs: [Int64] = []
    var heldOutJudgments: [Judgment] = [], heldOutJudgmentSources: [String] = [], heldOutJudgmentPromptIDs: [Int64] = []
    /// Snapshot rows with a preference / verdict, before resolution ("rows available").
    var availablePairs = 0, availableJudgments = 0
    /// Snapshot rows left out by resolution: reviewers split evenly, or outvoted.
    var unresolvedPairIDs: [Int64] = [], unresolvedJudgmentIDs: [Int64] = []

    /// Reviewers flagged by their gold accuracy (pseudonyms) whose ratings were down-weighted,
    /// and the weight; their kept ratings, and those of them left out by the weighted draw.
    var flaggedReviewers: [String] = [], flaggedWeight = 1.0
    var flaggedRatings = 0, flaggedLeftOut = 0
    /// Items of the snapshot whose label a lead settled by adjudication.
    var adjudicatedPairs = 0, adjudicatedJudgments = 0

    /// Reads the rows named by `snapshot` (train split) and all live held-out rows. A lead's
    /// adjudication decides its item; with `calibration`, flagged reviewers' ratings are
    /// down-weighted: their votes count `flaggedWeight` in each majority, and each of their
    /// ratings the majority keeps is trained on with that probability (a stable draw per
    /// rating), so on average it weighs that much.
    init(store: FeedbackStore, snapshot: FeedbackSnapshot, calibration: NightlyConfig.Calibration? = nil, seed: UInt64 = 0) throws {
        try self.init(heldOutFrom: store)
        let decided = try store.adjudicatedLabels()
        if let calibration, calibration.flaggedWeight < 1 {
            flaggedReviewers = try store.goldCalibration().flagged
            flaggedWeight = calibration.flaggedWeight
        }
        let flagged = Set(flaggedReviewers), w = flaggedWeight
        let comparisonIDs = Set(snapshot.comparisonIDs), judgmentIDs = Set(snapshot.judgmentIDs)
        let comparisons = try store.comparisonRecords(split: .train).filter { comparisonIDs.contains($0.id) && $0.preferencePair != nil }
        let pairReviewer = Dictionary(uniqueKeysWithValues: comparisons.map { ($0.id, $0.reviewer) })
        let resolvedPairs = RatingVotes.resolve(comparisons, weight: { flagged.contains(pairReviewer[$0] ?? "") ? w : 1 }, decided: decided.pairs)
        adjudicatedPairs = Set(comparisons.map { SamplePair($0.sampleAID, $0.sampleBID) }).filter { decided.pairs[$0] != nil }.count
        availablePairs = comparisons.count
        for c in comparisons {
            if resolvedPairs.kept.contains(c.id), flagged.contains(c.reviewer) {
                flaggedRatings += 1
                if !Self.keeps("comparison \(c.id)", weight: w, seed: seed) { flaggedLeftOut += 1; unresolvedPairIDs.append(c.id); continue }
            }
            guard resolvedPairs.kept.contains(c.id), let pair = Self.pair(c) else { unresolvedPairIDs.append(c.id); continue }
            pairs.append(pair)
            pairSources.append("comparison \(c.id)")
            pairIDs.append(c.id)
            pairPromptIDs.append(c.promptID)
        }
        let labelled = try store.labelledCompletions(split: .train).filter { judgmentIDs.contains($0.judgmentID) }
        let judgmentReviewer = Dictionary(uniqueKeysWithValues: labelled.map { ($0.judgmentID, $0.reviewer) })
        let resolvedJudgments = RatingVotes.resolve(
            labelled, weight: { flagged.contains(judgmentReviewer[$0] ?? "") ? w : 1 }, decided: decided.judgments)
        adjudicatedJudgments = Set(labelled.map(\.sampleID)).filter { decided.judgments[$0] != nil }.count
        availableJudgments = labelled.count
        for j in labelled {
            if resolvedJudgments.kept.contains(j.judgmentID), flagged.contains(j.reviewer) {
                flaggedRatings += 1
                if !Self.keeps("judgment \(j.judgmentID)", weight: w, seed: seed) {
                    flaggedLeftOut += 1; unresolvedJudgmentIDs.append(j.judgmentID); continue
                }
            }
            guard resolvedJudgments.kept.contains(j.judgmentID) else { unresolvedJudgmentIDs.append(j.judgmentID); continue }
            judgments.append(Self.judgment(j))
            judgmentSources.append("judgment \(j.judgmentID)")
            self.judgmentIDs.append(j.judgmentID)
            judgmentPromptIDs.append(j.promptID)
        }
    }

    /// Whether the stable draw for `key` keeps a rating of weight `weight` (probability `weight`).
    static func keeps(_ key: String, weight: Double, seed: UInt64) -> Bool {
        guard weight < 1 else { return true }
        let unit = Double(UInt64(SHA256.hex("\(seed)|\(key)").prefix(13), radix: 16)!) / Double(1 << 52)
        return unit < weight
    }

    /// Only the live held-out ratings (what the gates score), one per item (an adjudicated
    /// item by its adjudicated label).
    init(heldOutFrom store: FeedbackStore) throws {
        let decided = try store.adjudicatedLabels()
        let comparisons = try store.comparisonRecords(split: .heldout).filter { $0.preferencePair != nil }
        let resolvedPairs = RatingVotes.resolve(comparisons, decided: decided.pairs)
        for c in comparisons where resolvedPairs.representatives.contains(c.id) {
            guard let pair = Self.pair(c) else { continue }
            heldOutPairs.append(pair)
            heldOutPairSources.append("comparison \(c.id)")
            heldOutPairPromptIDs.append(c.promptID)
        }
        let labelled = try store.labelledCompletions(split: .heldout)
        let resolvedJudgments = RatingVotes.resolve(labelled, decided: decided.judgments)
        for j in labelled where resolvedJudgments.representatives.contains(j.judgmentID) {
            heldOutJudgments.append(Self.judgment(j))
            heldOutJudgmentSources.append("judgment \(j.judgmentID)")
            heldOutJudgmentPromptIDs.append(j.promptID)
        }
    }

    /// The held-out ratings a night scores: at most `evaluation.maxHeldOut` items of each kind,
    /// those whose (seed, row) hash is smallest — a row's rank never depends on row order or on
    /// the other rows, so the same ratings always give the same sample, and the gates and the
    /// reward model's held-out metrics see one sample.
    func heldOutSample(_ config: NightlyConfig) -> NightlyFeedback {
        let limit = config.evaluation.maxHeldOut, seed = config.seed
        var f = self
        let p = Self.stableSubset(heldOutPairSources, limit: limit, seed: seed)
        (f.heldOutPairs, f.heldOutPairSources, f.heldOutPairPromptIDs) =
            (p.map { heldOutPairs[$0] }, p.map { heldOutPairSources[$0] }, p.map { heldOutPairPromptIDs[$0] })
        let j = Self.stableSubset(heldOutJudgmentSources, limit: limit, seed: seed)
        (f.heldOutJudgments, f.heldOutJudgmentSources, f.heldOutJudgmentPromptIDs) =
            (j.map { heldOutJudgments[$0] }, j.map { heldOutJudgmentSources[$0] }, j.map { heldOutJudgmentPromptIDs[$0] })
        return f
    }

    /// Indices of the `limit` keys with the smallest SHA-256 of "seed|key", in their original order.
    static func stableSubset(_ keys: [String], limit: Int, seed: UInt64) -> [Int] {
        guard keys.count > limit else { return Array(keys.indices) }
        let ranked = keys.indices.map { i in (SHA256.hex("\(seed)|\(keys[i])"), i) }.sorted { $0 < $1 }
        return ranked.prefix(max(0, limit)).map(\.1).sorted()
    }

    static func messages(_ stored: [StoredMessage]) -> [Tokenizer.ChatMessage] {
        stored.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) }
    }

    static func answer(_ text: String) -> [Tokenizer.ChatMessage] {
        [Tokenizer.ChatMessage(role: "assistant", content: text)]
    }

    private static func pair(_ c: ComparisonRecord) -> Pair? {
        guard let preference = c.preferencePair else { return nil }
        return Pair(prompt: messages(c.prompt), chosen: answer(preference.chosen), rejected: answer(preference.rejected))
    }

    private static func judgment(_ j: StoredJudgment) -> Judgment {
        Judgment(prompt: messages(j.prompt), completion: answer(j.completion), desirable: j.label)
    }
}
