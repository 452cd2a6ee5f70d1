import FeedbackStore
import Foundation
import Training

/// One trained policy as `rounds policy status` shows it: where its review stands and the
/// clinicians' evidence against the policy it was trained from.
public struct CandidateStatus: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        case inReview = "in review", promoted, rejected, kept
    }

    public var name: String
    public var parent: String
    public var state: State
    /// The registry status (`production`, `retired`, …) and its reason.
    public var status: PolicyManifest.Status
    public var reason: String?
    /// When the current status was set, and by whom.
    public var since: Date?
    public var by: String?
    public var evidence: ReviewEvidence
    /// For a candidate in review: what the decision would be now, and what it waits for.
    public var decision: ReviewDecision.Verdict?
    public var waitsFor: String?

    public init(_ manifest: PolicyManifest, evidence: ReviewEvidence, production: String?) {
        name = manifest.name
        parent = evidence.against
        status = manifest.status
        reason = manifest.statusReason
        let change = manifest.history.last { $0.status == manifest.status }
        (since, by) = (change?.at, change?.by)
        self.evidence = evidence
        switch manifest.status {
        case .review:
            state = .inReview
            let now = ReviewDecision(evidence, production: production)
            (decision, waitsFor) = (now.verdict, now.waitsFor)
        case .production, .retired: state = manifest.history.contains { $0.status == .production } ? .promoted : .kept
        case .rejected: state = .rejected
        case .candidate: state = .kept
        }
    }
}

extension ClinicianReview {
    /// Every policy trained from another in the registry (reward models aside), oldest first.
    public func statuses() throws -> [CandidateStatus] {
        let production = try registry.production()?.name
        return try registry.list().filter { $0.method != RewardModel.method }.compactMap { m in
            try evidence(m).map { CandidateStatus(m, evidence: $0, production: production) }
        }
    }
}
