import ArgumentParser
import Foundation
import Loop
import RoundsSimulation

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
            care, otherwise it must not; an empty or runaway answer is incorrect. Pairs prefer the correct answer;
            of two with the same verdict, the one that ends with a finished sentence, repeats no sentence, answers
            in the prompt's language and says when to see a doctor, nurse or pharmacist (more of these wins).
            The last simulated reviewer flips each verdict with probability --noise, so agreement statistics are
            not trivially perfect. With --corrections a reviewer also corrects that share of the answers it rates
            incorrect whose disposition the rule finds wrong, as the review tool's correction editor lets a
            clinician do: the disposition line is rewritten ("Urgency: Emergency. …" or "Urgency: Self-care at
            home.", in the prompt's language) and sentences sending a benign case to emergency care are struck.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "How many simulated reviewers take turns (the queue wants 2 per item by default).")
    var reviewers = 2

    @Option(help: "Probability that the last simulated reviewer disagrees with the rule.")
    var noise = 0.1

    @Option(help: "Share (0–1) of the answers it rates incorrect that a reviewer corrects (when the disposition is what is wrong).")
    var corrections = 0.0

    @Option(help: "Stop after this many ratings in all.")
    var limit: Int?

    @Option(help: "Seed for the noise.")
    var seed: UInt64 = 0

    func validate() throws {
        guard (1...8).contains(reviewers) else { throw ValidationError("--reviewers must be 1 to 8.") }
        guard (0...0.5).contains(noise) else { throw ValidationError("--noise must be between 0 and 0.5.") }
        guard (0...1).contains(corrections) else { throw ValidationError("--corrections must be a share between 0 and 1, e.g. 0.5.") }
    }

    func run() throws {
        var simulation = SimulatedReview()
        simulation.reviewers = reviewers
        simulation.noise = noise
        simulation.limit = limit
        simulation.seed = seed
        simulation.correctionShare = corrections
        let counts = try simulation.run(store: try database.open())
        print("simulate-review: \(counts.judgments) judgments (\(counts.corrections) with a correction) and \(counts.comparisons) comparisons by \(reviewers) simulated reviewer(s)")
    }
}
