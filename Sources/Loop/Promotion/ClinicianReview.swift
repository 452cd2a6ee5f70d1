import FeedbackStore
import Foundation
import Training

/// Clinician-decided promotion: a candidate that passed the offline gates goes into review
/// (status `review` in its manifest, with who, when and why), its blind A/B pairs against
/// production are rated, and `decide` applies `ReviewDecision` to every candidate in review,
/// each time anyone asks (the nightly run at its start, `rounds policy decide`). Every change
/// of status is recorded in the manifests' history with who and why; a look that changes
/// nothing updates the candidate's status reason and `review_*` metrics only.
public struct ClinicianReview {
    public enum ReviewError: LocalizedError, Equatable {
        case notInReview(name: String, status: String, reason: String?)

        public var errorDescription: String? {
            switch self {
            case let .notInReview(name, status, reason):
                return "'\(name)' is not in review (its status is \(status)\(reason.map { ": \($0)" } ?? "")). "
                    + "Only candidates that passed the offline gates in clinician mode are decided; see `rounds policy status`."
            }
        }
    }

    let store: FeedbackStore
    let registry: PolicyRegistry
    let settings: PromotionSettings
    let log: (String) -> Void
    /// True when the night decides: its changes are audited as the system (`system:NAME`),
    /// not as a person.
    let system: Bool

    public init(store: FeedbackStore, registry: PolicyRegistry, settings: PromotionSettings, system: Bool = false,
                log: @escaping (String) -> Void = { _ in }) {
        self.store = store
        self.registry = registry
        self.settings = settings
        self.system = system
        self.log = log
    }

    /// Appends a status change to the audit log as `who` (the system, for the night).
    func audit(_ action: AuditAction, _ subject: String, by who: String, reason: String, details: [String: String] = [:]) throws {
        try store.audit(action, actor: system ? AuditEntry.system(who) : who, subject: subject, reason: reason, details: details)
    }

    /// Puts a candidate that passed the offline gates into review, once: a candidate already
    /// reviewed (or decided) is left alone, so a restarted night does not record it twice.
    @discardableResult
    public func beginReview(_ name: String, by who: String, reason: String) throws -> Bool {
        let manifest = try registry.manifest(name)
        guard manifest.status == .candidate, !manifest.history.contains(where: { $0.status == .review }) else { return false }
        let against = manifest.parent.map { " against \($0)" } ?? ""
        try registry.record(.review, of: name, by: who,
                            reason: "in review: clinicians' blind comparisons\(against) decide its promotion (\(reason))")
        try audit(.review, name, by: who, reason: reason)
        log("\(name) is in review: clinicians' blind comparisons\(against) decide its promotion")
        return true
    }

    /// The evidence on a candidate against the policy it was trained from.
    public func evidence(_ manifest: PolicyManifest) throws -> ReviewEvidence? {
        guard let parent = manifest.parent else { return nil }
        return try ReviewEvidence(candidate: manifest.name, against: parent, store: store, confidence: settings.confidence)
    }

    /// Decides `name` (which must be in review), or every candidate in review, and records the
    /// outcome as `who`. At most one candidate is promoted at a time: of several that qualify,
    /// the one with the highest lower bound; the others decided with it (qualifying or waiting)
    /// were compared with the policy it replaces, and their review ends.
    @discardableResult
    public func decide(_ name: String? = nil, by who: String) throws -> [ReviewDecision] {
        let targets: [PolicyManifest]
        if let name {
            let manifest = try registry.manifest(name)
            guard manifest.status == .review else {
                throw ReviewError.notInReview(name: name, status: manifest.status.rawValue, reason: manifest.statusReason)
            }
            targets = [manifest]
        } else {
            targets = try registry.list().filter { $0.status == .review }
        }
        let production = try registry.production()?.name
        var decisions = try targets.compactMap { m in try evidence(m).map { ReviewDecision($0, production: production) } }
        if let winner = decisions.filter({ $0.verdict == .promote }).max(by: { $0.evidence.lower < $1.evidence.lower }) {
            for i in decisions.indices where [.promote, .wait].contains(decisions[i].verdict) && decisions[i].candidate != winner.candidate {
                decisions[i].verdict = .supersede
                decisions[i].waitsFor = nil
                decisions[i].reason = "\(winner.candidate) was promoted over \(decisions[i].evidence.against) (its lower bound "
                    + String(format: "%.3f", winner.evidence.lower) + "); " + decisions[i].evidence.summary
            }
        }
        // The promotion first: if the process dies after it, the candidates it superseded are
        // still in review against a retired policy, and the next look ends their review (rule 2).
        for d in decisions.sorted(by: { ($0.verdict == .promote ? 0 : 1) < ($1.verdict == .promote ? 0 : 1) }) {
            try apply(d, by: who)
        }
        return decisions
    }

    private func apply(_ d: ReviewDecision, by who: String) throws {
        var manifest = try registry.manifest(d.candidate)
        let e = d.evidence
        manifest.metrics.merge([
            "review_comparisons": Double(e.comparisons), "review_wins": Double(e.wins), "review_ties": Double(e.ties),
            "review_losses": Double(e.losses), "review_lower": e.lower, "review_upper": e.upper,
            "review_severe_harm": Double(e.severeHarm.count),
        ]) { $1 }
        manifest.metrics["review_estimate"] = e.estimate
        let stamp = ISO8601DateFormatter().string(from: Date())
        if d.verdict == .wait { manifest.statusReason = "in review (looked at by \(who) at \(stamp)): \(d.reason); waits for \(d.waitsFor ?? "more comparisons")" }
        try registry.save(manifest)
        switch d.verdict {
        case .promote: try registry.promote(d.candidate, by: who, reason: "clinicians' review: \(d.reason)")
        case .reject: try registry.record(.rejected, of: d.candidate, by: who, reason: "clinicians' review: \(d.reason)")
        case .supersede: try registry.record(.candidate, of: d.candidate, by: who, reason: "review ended: \(d.reason)")
        case .wait: break
        }
        if d.verdict != .wait {
            try audit(.decide, d.candidate, by: who, reason: d.reason, details: ["verdict": d.verdict.rawValue, "against": d.evidence.against])
        }
        log("review: \(d)")
    }
}
