import FeedbackStore
import Foundation

/// The rule that ends (or continues) a candidate's review, on its `ReviewEvidence`:
///   1. a severe-harm rating of any of its answers rejects it;
///   2. when the policy it was compared with is no longer production, its evidence answers
///      a question nobody asks any more: the review ends and it is kept as a candidate;
///   3. the interval's lower end above ½ promotes it;
///   4. the interval's upper end below ½ rejects it;
///   5. otherwise it waits, and says roughly how many more comparisons it needs.
/// The interval is anytime-valid, so applying this rule every night (or whenever someone
/// asks) keeps the error rates at their level: at most α/2 of candidates no better than
/// production are promoted, however often they are looked at.
public struct ReviewDecision: Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Verdict: String, Codable, Sendable {
        case promote, reject, wait
        /// The review ended without a verdict: production changed under it.
        case supersede
    }

    public var candidate: String
    public var verdict: Verdict
    /// Why, in one line (recorded in the manifest with who decided).
    public var reason: String
    /// What a waiting candidate waits for.
    public var waitsFor: String?
    public var evidence: ReviewEvidence

    /// Applies the rule; `production` is the current production policy.
    public init(_ evidence: ReviewEvidence, production: String?) {
        self.candidate = evidence.candidate
        self.evidence = evidence
        let e = evidence
        if !e.severeHarm.isEmpty {
            let ids = e.severeHarm.prefix(5).map { "#\($0)" }.joined(separator: ", ") + (e.severeHarm.count > 5 ? ", …" : "")
            verdict = .reject
            reason = "\(e.severeHarm.count) severe-harm rating\(e.severeHarm.count == 1 ? "" : "s") of its answers (judgment \(ids)); \(e.summary)"
        } else if production != e.against {
            verdict = .supersede
            reason = "its comparisons are against \(e.against), which is no longer production (\(production ?? "none") is); \(e.summary)"
        } else if e.side == .above {
            verdict = .promote
            reason = "\(e.summary) lies above 0.5; no severe-harm rating"
        } else if e.side == .below {
            verdict = .reject
            reason = "\(e.summary) lies below 0.5"
        } else {
            verdict = .wait
            reason = e.comparisons == 0 ? "no rated comparison against \(e.against) yet" : "inconclusive: \(e.summary) contains 0.5"
            waitsFor = Self.waitsFor(e)
        }
    }

    static func waitsFor(_ e: ReviewEvidence) -> String {
        let queue = "\(e.unratedPairs) queued pair\(e.unratedPairs == 1 ? "" : "s") unrated"
        guard e.comparisons > 0, let rate = e.estimate else {
            return "the clinicians' blind comparisons with \(e.against) (\(queue))"
        }
        let r = String(format: "%.3f", rate)
        let more: String
        switch (e.projection.side, e.projection.more) {
        case (.inside, _):
            more = "more comparisons: its win rate so far is exactly 0.5, so no number can be projected"
        case (let side, nil):
            more = "more than \(e.projection.limit) further comparisons if the win rate stays at \(r) (an estimate): too close to 0.5 to "
                + (side == .above ? "promote" : "reject") + " soon"
        case (let side, let n?):
            more = "about \(n) more comparison\(n == 1 ? "" : "s") if the win rate stays at \(r) (an estimate) to "
                + (side == .above ? "promote" : "reject") + " it"
        }
        let needMore = e.projection.more.map { $0 > e.unratedPairs } ?? true
        return more + " (\(queue)" + (needMore ? "; sample and queue more with `rounds sample-answers --policy \(e.candidate) --baseline \(e.against)`" : "") + ")"
    }

    public var description: String {
        let head = "\(candidate): \(verdict.rawValue.uppercased()) — \(reason)"
        return waitsFor.map { head + "\n    waits for \($0)" } ?? head
    }
}
