import Foundation

/// What is known about a queue item that says how much one more rating of it would teach,
/// and the score made of it (0–1, higher = more informative), stored as `info_score`.
///
/// Each piece of evidence gives a term in [0, 1]; the score is the mean of the terms that
/// are present (an item without any evidence is left unscored):
/// - reward-model uncertainty: with m = r(A) − r(B) for a pair, or r − threshold for one
///   answer, the Bradley–Terry probability p = σ(m / scale) and the term 1 − |2p − 1|:
///   1 when the reward model cannot tell (m = 0), towards 0 as it grows sure;
/// - reward model against the policy: with the policy's implicit DPO reward margin
///   d = β(log π/π_ref of A − of B), or of the one answer, the term |σ(m / scale) − σ(d / scale)|:
///   1 when the two are sure of opposite answers, 0 when they agree;
/// - reviewers: with k of n reviewers (n ≥ 2) on one side, 1 − |2k/n − 1|: 1 for an even
///   split, 0 when they all agree (one rating alone says nothing of disagreement).
public struct InformationEvidence: Equatable, Sendable {
    /// r(A) − r(B), or r − threshold for a single answer.
    public var rewardMargin: Double?
    /// The policy's implicit reward margin for the same item (needs a reference policy).
    public var implicitMargin: Double?
    /// Reviewers' votes so far: for the first answer (or "correct"), and in all.
    public var votesFor = 0
    public var votes = 0

    public init(rewardMargin: Double? = nil, implicitMargin: Double? = nil, votesFor: Int = 0, votes: Int = 0) {
        self.rewardMargin = rewardMargin
        self.implicitMargin = implicitMargin
        self.votesFor = votesFor
        self.votes = votes
    }

    /// Reward units that make one step of the logistic (a margin of `scale` is p ≈ 0.73).
    public static let defaultScale = 1.0

    public func score(scale: Double = defaultScale) -> Double? {
        var terms: [Double] = []
        func p(_ margin: Double) -> Double { 1 / (1 + exp(-margin / scale)) }
        if let m = rewardMargin, m.isFinite {
            terms.append(1 - abs(2 * p(m) - 1))
            if let d = implicitMargin, d.isFinite { terms.append(abs(p(m) - p(d))) }
        }
        if votes >= 2 { terms.append(1 - abs(2 * Double(votesFor) / Double(votes) - 1)) }
        guard !terms.isEmpty else { return nil }
        return min(1, max(0, terms.reduce(0, +) / Double(terms.count)))
    }
}
