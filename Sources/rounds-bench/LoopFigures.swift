// The figures of the loop benchmark (`rounds-bench loop --json FILE`): sft-v1's held-out
// figures, then one entry per night, each about the production policy after that night.
import Foundation

struct LoopFigures: Codable {
    struct SFT: Codable {
        var rule_rate: Double
        var rule_rate_ci: [Double]
        var rule_n: Int
        /// Rule-satisfying answers and answers per triage cell ("ja red flag": [2, 16]).
        var rule_by_cell: [String: [Int]]?
        var validation_loss: Double
        var steps: Int
    }

    struct Night: Codable {
        var night: Int
        /// The production policy after the night (and the morning's clinician decision).
        var production: String
        /// Held-out rule satisfaction of production: answers to held-out triage prompts that
        /// send to emergency care exactly when the prompt has a red flag; 95% Wilson interval.
        var rule_rate: Double
        var rule_rate_ci: [Double]
        var rule_n: Int
        var rule_by_cell: [String: [Int]]?
        /// rule_rate − sft-v1's: 95% paired bootstrap over prompts (`lift_ci`, the decision
        /// interval) and Newcombe's hybrid score interval (treats answers as independent).
        var lift: Double
        var lift_ci: [Double]
        var lift_ci_newcombe: [Double]
        var win_rate_vs_sft: Double
        var win_rate_vs_sft_ci: [Double]
        var win_pairs: Int
        var win_ratings: Int
        var validation_loss: Double
        /// validation_loss / sft-v1's − 1.
        var validation_loss_change: Double
        var kl: Double
        var kl_reference: String
        var rows_used: Int?
        var rows_available: Int?
        /// Whether production changed during this night's cycle (and to which policy).
        var promoted: Bool
        var promoted_policy: String?
        /// A promoted policy whose held-out rule satisfaction is below its parent's: the 95%
        /// paired bootstrap interval of the difference lies below 0 (`parent_diff` its estimate).
        var worse_than_parent: Bool
        var parent_diff: Double?
        var parent_diff_ci: [Double]?
        /// Tonight's candidate: its method, offline gate result and clinicians' review.
        var candidate: String?
        var method: String?
        var gates_passed: Bool?
        var gate_reason: String?
        var review: String?
        var review_comparisons: Int?
        var review_lower: Double?
        /// Tonight's candidate measured like production (when it is not production): did
        /// training move the rule, whatever the review decided? (`candidate_lift_ci`: paired
        /// bootstrap over prompts against sft-v1.)
        var candidate_rule_rate: Double?
        var candidate_rule_rate_ci: [Double]?
        var candidate_rule_by_cell: [String: [Int]]?
        var candidate_lift: Double?
        var candidate_lift_ci: [Double]?
        var candidate_validation_loss: Double?
        var candidate_kl: Double?
        var skipped: String?
        var ratings_before_night: Int
        var ratings_after_night: Int
        var seconds: Double
    }

    var sft: SFT
    var nights: [Night] = []
    var settings: [String: String] = [:]
    var seconds: Double = 0

    func write(json url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}

extension Array where Element == Double {
    /// A (lower, upper) pair as a two-element array; empty when there is none.
    init(_ interval: (lower: Double, upper: Double)?) {
        self = interval.map { [$0.lower, $0.upper] } ?? []
    }
}
