import FeedbackStore
import Foundation
@testable import Loop

// Feedback on fixed answers for the nightly world: every prompt gets the same two answers
// from v1, paired and queued, and named reviewers rate them by a rule — so a test decides
// exactly what the clinicians said (agreeing, disagreeing, or different on held-out prompts).
extension NightlyRunTests.World {
    static let urgent = "Call 119 now: this needs an ambulance."
    static let wait = "Rest at home, drink water and wait."

    /// v1's two fixed answers to every prompt, queued as pairs (and as single answers when
    /// `judgments`) for `overlap` reviewers.
    func queueFixedAnswers(overlap: Int, judgments: Bool = false) throws {
        for prompt in try store.prompts() {
            try store.addSample(promptID: prompt.id!, policy: "v1", text: Self.urgent)
            try store.addSample(promptID: prompt.id!, policy: "v1", text: Self.wait)
        }
        _ = try store.enqueuePairs(newPolicy: "v1", baselinePolicy: nil, overlap: overlap)
        if judgments { _ = try store.enqueueJudgments(policy: "v1", overlap: overlap) }
    }

    /// Each reviewer in turn rates everything queued for them: `good(reviewer, prompt, answer)`
    /// says whether an answer is right; of two answers the right one is preferred (ties: a).
    func rate(reviewers: [String], good: (String, Prompt, String) -> Bool) throws {
        for name in reviewers {
            let reviewer = try store.reviewer(named: name) ?? store.registerReviewer(name: name)
            while let item = try store.nextItem(for: reviewer) {
                switch item.content {
                case let .judge(sample):
                    try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer,
                                             verdict: good(name, item.prompt, sample.text) ? .correct : .incorrect, secondsSpent: 1)
                case let .compare(a, b):
                    let outcome: Outcome = good(name, item.prompt, a.text) || !good(name, item.prompt, b.text) ? .a : .b
                    try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: outcome, secondsSpent: 1)
                }
            }
        }
    }
}
