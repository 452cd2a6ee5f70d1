import Foundation
import Support

/// The promotion decision: every gate of `NightlyConfig.Gates` against a `CandidateEvaluation`.
/// A gate without held-out data is skipped (and says so) unless `requireHeldOutData`.
public struct GateDecision: Codable, Equatable, Sendable, CustomStringConvertible {
    public struct Check: Codable, Equatable, Sendable {
        public var gate: String
        /// true: passed, false: failed, nil: skipped for lack of data.
        public var passed: Bool?
        public var detail: String
    }

    public var checks: [Check]

    /// The decision's file in the candidate's folder, written after the manifest holds the
    /// evaluation and before any promotion: a restarted run reads it instead of re-deciding.
    public static let fileName = "gates.json"

    public static func load(from folder: URL) throws -> GateDecision? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(GateDecision.self, from: Data(contentsOf: url))
    }

    public func save(to folder: URL) throws {
        try AtomicFile.write(JSONEncoder.sorted.encode(self), to: folder.appendingPathComponent(Self.fileName))
    }

    public var promote: Bool { checks.allSatisfy { $0.passed != false } }

    /// One line: why it was promoted or kept as a candidate.
    public var reason: String {
        let failed = checks.filter { $0.passed == false }
        if failed.isEmpty {
            let skipped = checks.filter { $0.passed == nil }.map(\.gate)
            return "every gate held" + (skipped.isEmpty ? "" : " (no data for: \(skipped.joined(separator: ", ")))")
        }
        return "failed " + failed.map { "\($0.gate): \($0.detail)" }.joined(separator: "; ")
    }

    public var description: String {
        checks.map { c in
            let mark = c.passed == true ? "pass" : c.passed == false ? "FAIL" : "skip"
            return "  \(mark)  \(c.gate): \(c.detail)"
        }.joined(separator: "\n")
    }

    public init(_ e: CandidateEvaluation, gates g: NightlyConfig.Gates) {
        func f(_ v: Double) -> String { String(format: "%.3f", v) }
        func check(_ gate: String, _ value: Double?, _ holds: (Double) -> Bool, _ rule: String, _ what: String) -> Check {
            guard let value, value.isFinite else {
                return Check(gate: gate, passed: g.requireHeldOutData ? false : nil, detail: "no \(what)")
            }
            return Check(gate: gate, passed: holds(value), detail: "\(f(value)) (\(rule))")
        }
        let gain = e.rewardCandidate.flatMap { c in e.rewardParent.map { c - $0 } }
        let forgetting = e.validationLossCandidate.flatMap { c in e.validationLossParent.map { c - $0 } }
        checks = [
            check("pair accuracy", e.pairAccuracy, { $0 >= g.minPairAccuracy }, "≥ \(f(g.minPairAccuracy)) on \(e.heldOutPairs) held-out comparisons",
                  "held-out comparisons"),
            check("judgment accuracy", e.judgmentAccuracy, { $0 >= g.minJudgmentAccuracy },
                  "≥ \(f(g.minJudgmentAccuracy)) on \(e.heldOutJudgments) held-out judgments", "held-out judgments"),
            check("reward gain", gain, { $0 >= g.minRewardGain }, "candidate − parent ≥ \(f(g.minRewardGain)) on \(e.freshAnswers) fresh answers",
                  "reward-model scores of fresh answers"),
            check("forgetting", forgetting, { $0 <= g.maxValidationLossIncrease },
                  "validation loss increase ≤ \(f(g.maxValidationLossIncrease)) nats/token", "SFT validation loss"),
            check("KL to parent", e.kl, { $0 <= g.maxKL }, "≤ \(f(g.maxKL)) nats per answer", "fresh answers"),
        ]
    }
}
