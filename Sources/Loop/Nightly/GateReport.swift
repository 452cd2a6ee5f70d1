import FeedbackStore
import Foundation
import Support

/// The offline promotion decision: every gate of `NightlyConfig.Gates` as a statistic of the
/// held-out evidence in a `CandidateEvaluation` — n, the estimate and a 95% interval (Wilson
/// for rates, a seeded percentile bootstrap for means) — decided on the bound unfavourable to
/// the candidate. A gate with fewer than its minimum n fails ("not enough evidence").
/// `passes` holds when every gate passes. Written beside the candidate (`gates.json`).
public struct GateReport: Codable, Equatable, Sendable, CustomStringConvertible {
    public struct Gate: Codable, Equatable, Sendable {
        public var name: String
        /// Units of evidence (held-out items, fresh prompts, validation examples).
        public var n: Int
        public var minimumN: Int
        public var estimate: Double?
        /// 95% interval of the estimate.
        public var lower: Double?
        public var upper: Double?
        public var threshold: Double
        /// How the bound is compared with the threshold, e.g. "lower > threshold".
        public var rule: String
        public var passed: Bool
        public var reason: String
    }

    public var candidate: String
    public var parent: String
    public var gates: [Gate]
    public var passes: Bool
    /// The item-level evidence the gates were computed from.
    public var evaluation: CandidateEvaluation

    /// The report's file in the candidate's folder, written after the manifest holds the
    /// evaluation and before any promotion: a restarted run reads it instead of re-deciding.
    public static let fileName = "gates.json"

    public init(candidate: String, parent: String, evaluation e: CandidateEvaluation, gates g: NightlyConfig.Gates, seed: UInt64) {
        self.candidate = candidate
        self.parent = parent
        evaluation = e
        let rounds = g.bootstrapRounds
        gates = [
            Self.rate("pair accuracy", e.pairMargins, minimumN: g.minHeldOutPairs, above: g.minPairAccuracy, unit: "held-out comparisons"),
            Self.rate("judgment accuracy", e.judgmentMargins, minimumN: g.minHeldOutJudgments, above: g.minJudgmentAccuracy,
                      unit: "held-out judgments"),
            Self.mean("reward preference", e.rewardPreferences, weights: nil, minimumN: g.minFreshAnswers, threshold: g.minRewardPreference, atMost: false,
                      unit: "fresh held-out answers", rounds: rounds, seed: seed ^ 0x5EED_0001),
            // Per-token increase of each example, weighted by its tokens: the mean is Σ increase / Σ tokens.
            Self.mean("forgetting", zip(e.validationLossIncrease, e.validationTokens).map { $0 / $1 }, weights: e.validationTokens,
                      minimumN: g.minValidationExamples,
                      threshold: g.maxValidationLossIncrease, atMost: true, unit: "SFT validation examples", rounds: rounds, seed: seed ^ 0x5EED_0002),
            Self.mean("KL to parent", e.kl, weights: nil, minimumN: g.minFreshAnswers, threshold: g.maxKL, atMost: true,
                      unit: "fresh held-out answers", rounds: rounds, seed: seed ^ 0x5EED_0003),
        ]
        passes = gates.allSatisfy(\.passed)
    }

    /// The gate's verdict when its evidence is short of `minimumN` or unusable; nil when it may be decided.
    static func evidence(_ name: String, n: Int, minimumN: Int, threshold: Double, rule: String, finite: Bool, unit: String) -> Gate? {
        if minimumN == 0, n == 0 {
            return Gate(name: name, n: 0, minimumN: 0, threshold: threshold, rule: rule, passed: true,
                        reason: "gate off (minimum n is 0) and no \(unit)")
        }
        if n < minimumN {
            return Gate(name: name, n: n, minimumN: minimumN, threshold: threshold, rule: rule, passed: false,
                        reason: "not enough evidence (n=\(n), need ≥ \(minimumN) \(unit))")
        }
        if !finite {
            return Gate(name: name, n: n, minimumN: minimumN, threshold: threshold, rule: rule, passed: false,
                        reason: "non-finite values among the \(unit) (the candidate's log-probs or scores overflowed)")
        }
        return nil
    }

    /// A rate of agreement with the clinicians: share of margins > 0 (0 counts half), Wilson
    /// interval; passes when the LOWER bound is above `above`.
    static func rate(_ name: String, _ margins: [Double], minimumN: Int, above: Double, unit: String) -> Gate {
        let rule = "lower > threshold"
        if let early = evidence(name, n: margins.count, minimumN: minimumN, threshold: above, rule: rule,
                                finite: margins.allSatisfy(\.isFinite), unit: unit) { return early }
        let successes = margins.reduce(0.0) { $0 + ($1 > 0 ? 1 : $1 == 0 ? 0.5 : 0) }
        let (lower, upper) = Stats.wilsonInterval(successes: successes, total: margins.count)!
        let estimate = successes / Double(margins.count)
        let passed = lower > above
        let reason = String(format: "%.3f [%.3f, %.3f] on %d %@: lower bound %@ %.3f", estimate, lower, upper, margins.count, unit,
                            passed ? ">" : "≤", above)
            + (passed ? "" : wouldDecide(n: margins.count, estimate: estimate, bound: lower, threshold: above, unit: unit))
        return Gate(name: name, n: margins.count, minimumN: minimumN, estimate: estimate, lower: lower, upper: upper,
                    threshold: above, rule: rule, passed: passed, reason: reason)
    }

    /// A (weighted) mean with a bootstrap interval; passes when the UPPER bound is at most the
    /// threshold (`atMost`) or the LOWER bound at least it.
    static func mean(_ name: String, _ values: [Double], weights: [Double]?, minimumN: Int, threshold: Double, atMost: Bool,
                     unit: String, rounds: Int, seed: UInt64) -> Gate {
        let rule = atMost ? "upper ≤ threshold" : "lower ≥ threshold"
        if let early = evidence(name, n: values.count, minimumN: minimumN, threshold: threshold, rule: rule,
                                finite: values.allSatisfy(\.isFinite), unit: unit) { return early }
        let (estimate, lower, upper) = Stats.bootstrapMeanInterval(values, weights: weights, rounds: rounds, seed: seed)!
        let passed = atMost ? upper <= threshold : lower >= threshold
        let reason = String(format: "%.4f [%.4f, %.4f] on %d %@: %@ bound %@ %.4f", estimate, lower, upper, values.count, unit,
                            atMost ? "upper" : "lower", passed ? (atMost ? "≤" : "≥") : (atMost ? ">" : "<"), threshold)
            + (passed ? "" : wouldDecide(n: values.count, estimate: estimate, bound: atMost ? upper : lower, threshold: threshold, unit: unit))
        return Gate(name: name, n: values.count, minimumN: minimumN, estimate: estimate, lower: lower, upper: upper,
                    threshold: threshold, rule: rule, passed: passed, reason: reason)
    }

    /// For a gate that failed although its estimate is on the passing side of the threshold:
    /// about how many items would bring the bound across if the estimate and the spread held
    /// (the interval narrows as 1/√n, so n · (half-width / distance to the threshold)²).
    /// Says how far the evidence is from deciding, in the gate's own units; empty otherwise.
    static func wouldDecide(n: Int, estimate: Double, bound: Double, threshold: Double, unit: String) -> String {
        let halfWidth = abs(estimate - bound), distance = abs(estimate - threshold)
        // The estimate on the passing side of the threshold, the failed bound on (or at) the other.
        guard distance > 0, (bound - threshold) * (estimate - threshold) <= 0, halfWidth > 0 else { return "" }
        let needed = Int((Double(n) * (halfWidth / distance) * (halfWidth / distance)).rounded(.up))
        // Ten times the evidence or more: the estimate sits at the threshold, and saying so reads better than a count.
        if needed > 10 * n {
            return String(format: " (the estimate is on the passing side but within %.3g of the threshold: more %@ would hardly decide it)",
                          distance, unit)
        }
        return " (the estimate is on the passing side; about \(needed) \(unit) would decide it if it held — an estimate)"
    }

    /// One line: why it passes or what failed.
    public var reason: String {
        let failed = gates.filter { !$0.passed }
        if failed.isEmpty { return "every gate held" }
        return "failed " + failed.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
    }

    /// A table: gate, n, estimate, 95% interval, threshold, verdict and reason.
    public var description: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
        var lines = [pad("gate", 19) + pad("n", 6) + pad("estimate", 10) + pad("95% interval", 20) + pad("threshold", 22) + "verdict"]
        for g in gates {
            let interval = g.lower.map { "[\(f($0)), \(f(g.upper))]" } ?? "-"
            lines.append(pad(g.name, 19) + pad("\(g.n)", 6) + pad(f(g.estimate), 10) + pad(interval, 20)
                         + pad("\(g.rule.replacingOccurrences(of: "threshold", with: f(g.threshold)))", 22) + (g.passed ? "pass" : "FAIL")
                         + "  \(g.reason)")
        }
        if !evaluation.kl.isEmpty {
            lines.append("KL to parent: " + (evaluation.klEstimator
                ?? "the log-ratio log π(y) − log π_parent(y) (k1) of reports written before the exact KL; "
                    + "on answers sampled with temperature and top-p it can come out negative"))
        }
        lines.append(passes ? "PASSES the offline gates" : "does NOT pass the offline gates")
        return lines.joined(separator: "\n")
    }

    public static func load(from folder: URL) throws -> GateReport? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(GateReport.self, from: Data(contentsOf: url)) } catch {
            throw CocoaError(.fileReadCorruptFile, userInfo: [
                NSFilePathErrorKey: url.path,
                NSLocalizedDescriptionKey: "\(url.path): not a gate report this version reads (\(error)). Delete it to evaluate the candidate again.",
            ])
        }
    }

    public func save(to folder: URL) throws {
        try AtomicFile.write(JSONEncoder.sorted.encode(self), to: folder.appendingPathComponent(Self.fileName))
    }
}
