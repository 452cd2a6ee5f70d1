import FeedbackStore
import Foundation
import Privacy

/// Clearly labelled simulated reviewers (`simulated-reviewer-N`) that rate what is queued
/// with a scripted rule — for the main job when no clinician is at the terminal, and for
/// tests. The last reviewer (with `everyReviewerFlips`, each one) flips each verdict with
/// probability `noise`, so agreement statistics are not trivially perfect.
public struct SimulatedReview {
    public var reviewers = 2
    public var noise = 0.1
    /// Every reviewer flips a `noise` share of its verdicts, not only the last one.
    public var everyReviewerFlips = false
    /// The reviewers take one item each in turn instead of each draining the queue before the
    /// next starts, so with overlap k every item is rated by k reviewers spread over all of them.
    public var interleaved = false
    public var limit: Int?
    public var seed: UInt64 = 0
    public var rule = ScriptedReviewer.clinicalRubric()
    /// Share of its "incorrect" verdicts on which a reviewer also writes a correction, as the
    /// review tool's correction editor lets a clinician do (0: none). Drawn from a stream of
    /// its own, so the verdicts are the same whatever the share.
    public var correctionShare = 0.0
    /// The correction a reviewer writes (nil: the answer has nothing this reviewer would fix).
    public var corrector: @Sendable (_ prompt: String, _ redFlag: Bool?, _ answer: String) -> String? = TriageCorrection.corrected

    public init() {}

    /// Rates queued items until the queue has nothing left for any simulated reviewer (or
    /// `limit` ratings were made). Returns how many judgments (of them, with a correction) and
    /// comparisons were stored.
    @discardableResult
    public func run(store: FeedbackStore) throws -> (judgments: Int, comparisons: Int, corrections: Int) {
        // Two streams of uniform draws in [0, 1) (Knuth's MMIX LCG): verdict flips, corrections.
        func draw(_ state: inout UInt64) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var seeded = seed, drawn = seed ^ 0x9E37_79B9_7F4A_7C15
        func noisy() -> Bool { draw(&seeded) < noise }
        func corrects() -> Bool { draw(&drawn) < correctionShare }
        let scrubber = correctionShare > 0 ? try Scrubber() : nil
        var counts = (judgments: 0, comparisons: 0, corrections: 0)
        let team = try (1...reviewers).map { r in
            let name = "\(ScriptedReviewer.name)-\(r)"
            return try store.reviewer(named: name)
                ?? store.registerReviewer(name: name, displayName: "Simulated reviewer \(r) (scripted rule)")
        }
        func underLimit() -> Bool { limit.map { counts.judgments + counts.comparisons < $0 } ?? true }
        // Each turn a reviewer rates at most `turn` items (interleaved: one); a pass in which
        // nobody rated anything ends the review.
        let turn = interleaved ? 1 : Int.max
        var rated = true
        while rated && underLimit() {
            rated = false
            for (index, reviewer) in team.enumerated() {
                let r = index + 1
                let flips = everyReviewerFlips || (r == reviewers && reviewers > 1)
                var taken = 0
                while taken < turn, underLimit(), let item = try store.nextItem(for: reviewer) {
                    taken += 1
                    rated = true
                    let redFlag = ScriptedReviewer.hasRedFlag(item.prompt.text)
                    switch item.content {
                    case let .judge(sample):
                        var correct = rule.judge(prompt: item.prompt.text, redFlag: redFlag, answer: sample.text)
                        if flips, noisy() { correct.toggle() }
                        // Saved as the review tool saves a correction: scrubbed of identifiers.
                        var details = JudgmentDetails()
                        if !correct, let scrubber, corrects(), let text = corrector(item.prompt.text, redFlag, sample.text) {
                            let scrubbed = scrubber.scrub(text)
                            (details.correction, details.identifiersReplaced) = (scrubbed.text, scrubbed.spans.count)
                            counts.corrections += 1
                        }
                        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: correct ? .correct : .incorrect,
                                                 comment: "simulated", details: details, secondsSpent: 0)
                        counts.judgments += 1
                    case let .compare(a, b):
                        var outcome: Outcome = switch rule.compare(prompt: item.prompt.text, redFlag: redFlag, a: a.text, b: b.text) {
                        case .a: .a
                        case .b: .b
                        case .tie: .tie
                        case .bothBad: .bothBad
                        }
                        if flips, noisy() { outcome = outcome == .a ? .b : outcome == .b ? .a : outcome }
                        try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: outcome,
                                                   comment: "simulated", secondsSpent: 0)
                        counts.comparisons += 1
                    }
                }
            }
        }
        return counts
    }
}
