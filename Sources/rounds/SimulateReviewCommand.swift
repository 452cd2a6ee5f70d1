import ArgumentParser
import FeedbackStore
import Foundation
import Loop

/// `rounds simulate-review`: fills the review queue by rule when no clinician is at the
/// terminal (the main job on a machine without one, demos, load tests). Every rating it
/// writes is stored under a reviewer named `simulated-reviewer-N`, so statistics and
/// exports can always tell them from clinicians'.
struct SimulateReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-review",
        abstract: "Rate queued items with a scripted rule under clearly labelled simulated reviewers.",
        discussion: """
            The rule: when the prompt has a red-flag symptom, a correct answer directs the patient to emergency
            care, otherwise it must not; an empty or runaway answer is incorrect. Pairs prefer the correct answer.
            The last simulated reviewer flips each verdict with probability --noise, so agreement statistics are
            not trivially perfect.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "How many simulated reviewers take turns (the queue wants 2 per item by default).")
    var reviewers = 2

    @Option(help: "Probability that the last simulated reviewer disagrees with the rule.")
    var noise = 0.1

    @Option(help: "Stop after this many ratings in all.")
    var limit: Int?

    @Option(help: "Seed for the noise.")
    var seed: UInt64 = 0

    func validate() throws {
        guard (1...8).contains(reviewers) else { throw ValidationError("--reviewers must be 1 to 8.") }
        guard (0...0.5).contains(noise) else { throw ValidationError("--noise must be between 0 and 0.5.") }
    }

    func run() throws {
        let store = try database.open()
        let rule = ScriptedReviewer.triageRule()
        var seeded = seed
        func noisy() -> Bool {
            seeded = seeded &* 6364136223846793005 &+ 1442695040888963407
            return Double(seeded >> 11) / Double(1 << 53) < noise
        }
        var counts = (judgments: 0, comparisons: 0)
        for r in 1...reviewers {
            let name = "\(ScriptedReviewer.name)-\(r)"
            let reviewer = try store.reviewer(named: name) ?? store.registerReviewer(name: name, displayName: "Simulated reviewer \(r) (scripted rule)")
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
        print("simulate-review: \(counts.judgments) judgments and \(counts.comparisons) comparisons by \(reviewers) simulated reviewer(s)")
    }
}
