import FeedbackStore
import Foundation

/// Clearly labelled simulated reviewers (`simulated-reviewer-N`) that rate what is queued
/// with a scripted rule — for the main job when no clinician is at the terminal, and for
/// tests. The last reviewer flips each verdict with probability `noise`, so agreement
/// statistics are not trivially perfect.
public struct SimulatedReview {
    public var reviewers = 2
    public var noise = 0.1
    public var limit: Int?
    public var seed: UInt64 = 0
    public var rule = ScriptedReviewer.clinicalRubric()

    public init() {}

    /// Rates queued items until the queue has nothing left for any simulated reviewer (or
    /// `limit` ratings were made). Returns how many judgments and comparisons were stored.
    @discardableResult
    public func run(store: FeedbackStore) throws -> (judgments: Int, comparisons: Int) {
        var seeded = seed
        func noisy() -> Bool {
            seeded = seeded &* 6364136223846793005 &+ 1442695040888963407
            return Double(seeded >> 11) / Double(1 << 53) < noise
        }
        var counts = (judgments: 0, comparisons: 0)
        for r in 1...reviewers {
            let name = "\(ScriptedReviewer.name)-\(r)"
            let reviewer = try store.reviewer(named: name)
                ?? store.registerReviewer(name: name, displayName: "Simulated reviewer \(r) (scripted rule)")
            let flips = r == reviewers && reviewers > 1
            while limit.map({ counts.judgments + counts.comparisons < $0 }) ?? true, let item = try store.nextItem(for: reviewer) {
                let redFlag = ScriptedReviewer.hasRedFlag(item.prompt.text)
                switch item.content {
                case let .judge(sample):
                    var correct = rule.judge(prompt: item.prompt.text, redFlag: redFlag, answer: sample.text)
                    if flips, noisy() { correct.toggle() }
                    try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: correct ? .correct : .incorrect,
                                             comment: "simulated", secondsSpent: 0)
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
        return counts
    }
}
