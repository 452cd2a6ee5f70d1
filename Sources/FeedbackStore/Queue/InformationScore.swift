import Foundation

/// What is known about a queue item that says how much one more rating of it would teach,
/// and the score made of it (0–1, higher = more informative), stored as `info_score`.
///
/// Each piece of evidence gives a term in [0, 1]; the score is the mean of the terms that
/// are present (an item without any evidence is left unscored):
/// - reward-model uncertainty: with m = r(A) − r(B) for a pair, or r − threshold for one
///   answer, the Bradley–Terry probability p = σ(m / scale) and the term 1 − |2p − 1|:
///   1 when the reward model cannot tell (m = 0), towards 0 as it grows sure. For a pair
///   whose reward-head inputs are known (d = ‖h(A) − h(B)‖², `featureDistance`) the term is
///   instead the expected squared length of the gradient one more rating would give the
///   reward head, p(1 − p)·d (the Bradley–Terry loss's gradient in the head's weights is
///   (y − p)·(h(A) − h(B)); "expected gradient length", Settles, Craven & Ray 2008, on the
///   last layer as in Ash et al. 2020, BADGE), relative to the largest among the items
///   scored together (`scores(_:)`): an uncertain pair whose answers differ in what the
///   reward model reads teaches it more than an uncertain pair of near-identical answers;
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
    /// ‖h(A) − h(B)‖² of the reward head's inputs for a pair (nil: single answer, or unknown;
    /// `squaredDistance` computes it).
    public var featureDistance: Double?
    /// Reviewers' votes so far: for the first answer (or "correct"), and in all.
    public var votesFor = 0
    public var votes = 0

    public init(rewardMargin: Double? = nil, implicitMargin: Double? = nil, featureDistance: Double? = nil, votesFor: Int = 0, votes: Int = 0) {
        self.rewardMargin = rewardMargin
        self.implicitMargin = implicitMargin
        self.featureDistance = featureDistance
        self.votesFor = votesFor
        self.votes = votes
    }

    /// Reward units that make one step of the logistic (a margin of `scale` is p ≈ 0.73).
    public static let defaultScale = 1.0

    /// ‖a − b‖²: the `featureDistance` of a pair whose answers the reward head reads as a and b.
    public static func squaredDistance<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Double {
        zip(a, b).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
    }

    /// p(1 − p)·d: the expected squared gradient length of the reward head for this pair
    /// (nil without a margin and a feature distance).
    public func expectedGradient(scale: Double = defaultScale) -> Double? {
        guard let m = rewardMargin, m.isFinite, let d = featureDistance, d.isFinite, d >= 0 else { return nil }
        let p = 1 / (1 + exp(-m / scale))
        return p * (1 - p) * d
    }

    /// The scores of items scored together: pairs with a feature distance get the expected
    /// gradient term relative to the largest among them.
    public static func scores(_ items: [InformationEvidence], scale: Double = defaultScale) -> [Double?] {
        let largest = items.compactMap { $0.expectedGradient(scale: scale) }.max() ?? 0
        return items.map { $0.score(scale: scale, largestGradient: largest) }
    }

    /// `largestGradient`: the largest `expectedGradient` among the items scored with this one
    /// (0 or nil: the margin term for every item).
    public func score(scale: Double = defaultScale, largestGradient: Double? = nil) -> Double? {
        var terms: [Double] = []
        func p(_ margin: Double) -> Double { 1 / (1 + exp(-margin / scale)) }
        if let m = rewardMargin, m.isFinite {
            if let g = expectedGradient(scale: scale), let largest = largestGradient, largest > 0 {
                terms.append(g / largest)
            } else {
                terms.append(1 - abs(2 * p(m) - 1))
            }
            if let d = implicitMargin, d.isFinite { terms.append(abs(p(m) - p(d))) }
        }
        if votes >= 2 { terms.append(1 - abs(2 * Double(votesFor) / Double(votes) - 1)) }
        guard !terms.isEmpty else { return nil }
        return min(1, max(0, terms.reduce(0, +) / Double(terms.count)))
    }
}
