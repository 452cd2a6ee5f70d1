import FeedbackStore
import Foundation

/// What the clinicians' ratings say about a candidate against the production policy it was
/// trained from: its blind A/B results, the anytime-valid interval on its win rate, and any
/// severe-harm rating of its answers.
///
/// The win rate counts a tie (and "both bad") as half a win: each answer pair scores 1, ½ or
/// 0 and the interval is on the mean score. Its mean minus ½ is (P(win) − P(loss))/2, so
/// "above ½" means the same as "wins more often than it loses", the question that excluding
/// ties would ask too, while every rated pair stays in the sequence.
public struct ReviewEvidence: Codable, Equatable, Sendable {
    public var candidate: String
    /// The policy it is compared with: its parent, production when it was trained.
    public var against: String
    /// Answer pairs counted (one rating each, see `HeadToHead`), and their results.
    public var comparisons: Int
    public var wins: Int
    public var ties: Int
    public var losses: Int
    /// Live ratings of those pairs in all, and pairs queued between the two policies.
    public var ratings: Int
    public var queuedPairs: Int
    /// Mean score (ties half); nil before any rating.
    public var estimate: Double?
    /// The anytime-valid interval (Waudby-Smith & Ramdas 2023) at `confidence`.
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    /// Where the interval lies relative to ½.
    public var side: BettingConfidenceSequence.Side
    /// Comparisons the interval would still need at the current rate (an estimate).
    public var projection: BettingConfidenceSequence.Projection
    /// Judgments that rate one of the candidate's answers as severely harmful.
    public var severeHarm: [Int64]

    /// A pair's score for the candidate.
    public static func score(_ result: HeadToHead.Result) -> Double {
        switch result {
        case .win: return 1
        case .tie: return 0.5
        case .loss: return 0
        }
    }

    public init(candidate: String, against: String, store: FeedbackStore, confidence: Double) throws {
        let record = try store.headToHead(policy: candidate, against: against)
        let sequence = BettingConfidenceSequence(record.pairs.map { Self.score($0.result) }, confidence: confidence)
        let interval = sequence.interval
        self.candidate = candidate
        self.against = against
        comparisons = record.pairs.count
        (wins, ties, losses) = (record.wins, record.ties, record.losses)
        (ratings, queuedPairs) = (record.ratings, record.queuedPairs)
        estimate = sequence.mean
        (lower, upper) = (interval.lower, interval.upper)
        self.confidence = confidence
        side = sequence.side(of: 0.5)
        projection = sequence.projection(crossing: 0.5)
        severeHarm = try store.judgmentIDs(policy: candidate, harm: .severe)
    }

    /// Queued pairs nobody has rated yet (approximately: a pair counts once it has a rating).
    public var unratedPairs: Int { max(0, queuedPairs - comparisons) }

    /// "won 30, tied 5, lost 15 of 50 answer pairs against v1: win rate 0.650, 95% anytime-valid interval [0.512, 0.771]"
    public var summary: String {
        let rate = estimate.map { String(format: "%.3f", $0) } ?? "–"
        return "won \(wins), tied \(ties), lost \(losses) of \(comparisons) answer pairs against \(against): win rate \(rate), "
            + "\(String(format: "%g", confidence * 100))% anytime-valid interval [\(String(format: "%.3f", lower)), \(String(format: "%.3f", upper))]"
    }
}
