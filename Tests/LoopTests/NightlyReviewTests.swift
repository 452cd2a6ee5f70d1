import FeedbackStore
import Foundation
import Testing
import Training
@testable import Loop

/// The nightly run in clinician mode (the default): a candidate that passes the gates goes
/// into review instead of production, and the next night, before it trains, promotes it once
/// the clinicians' blind comparisons against production say so, then trains from it.
@Suite(.serialized) struct NightlyReviewTests {
    @Test func aCandidateInReviewIsPromotedByALaterNightOnTheClinicians() throws {
        var world = try NightlyRunTests.World()
        defer { try? FileManager.default.removeItem(at: world.folder) }
        world.config.promotion.mode = .clinician
        try world.review()
        let first = try world.nightly()
        let candidate = try #require(first.candidate)
        let gates = try #require(first.decision)
        // Nothing is promoted by the gates in clinician mode.
        #expect(!first.promoted && first.reviewed.isEmpty)
        #expect(try world.registry.production()?.name == "v1")
        var manifest = try world.registry.manifest(candidate)
        #expect(manifest.status == (gates.passes ? .review : .candidate) && first.inReview == gates.passes)
        if gates.passes {
            #expect(manifest.history.last?.by == "test-nightly" && manifest.statusReason?.hasPrefix("in review") == true)
        } else {
            // The gates of this tiny random model held back the candidate; review it as the night would have.
            try ClinicianReview(store: world.store, registry: world.registry, settings: world.config.promotion)
                .beginReview(candidate, by: "test", reason: "the gates held it back; reviewed for this test")
        }

        // A clinician rates the night's blind pairs: the candidate's answer is better every time.
        let clinician = try world.store.registerReviewer(name: "dr-test")
        let candidateID = try #require(try world.store.policy(named: candidate)?.id)
        var rated = 0
        while let item = try world.store.nextItem(for: clinician, kinds: [.comparison]), case let .compare(a, b) = item.content {
            let outcome: Outcome = a.policyID == candidateID ? .a : b.policyID == candidateID ? .b : .tie
            try world.store.recordComparison(assignmentID: item.assignmentID, reviewer: clinician, outcome: outcome, secondsSpent: 3)
            rated += 1
        }
        let review = ClinicianReview(store: world.store, registry: world.registry, settings: world.config.promotion)
        let status = try #require(try review.statuses().first { $0.name == candidate })
        #expect(status.state == .inReview && status.evidence.comparisons == rated && status.evidence.wins == rated)
        try #require(rated >= 10, "the night queued \(rated) pairs against v1; 10 straight wins are the fewest that can promote")

        // The next night decides first: promoted, recorded as the night, and it trains from the new production.
        let second = try world.nightly()
        #expect(second.reviewed.map(\.verdict) == [.promote] && second.reviewed.first?.candidate == candidate)
        manifest = try world.registry.manifest(candidate)
        #expect(manifest.status == .production && manifest.history.last?.by == "test-nightly")
        #expect(manifest.history.last?.reason.contains("clinicians' review") == true)
        #expect(try world.registry.manifest("v1").status == .retired)
        if let run = second.runID { #expect(try world.store.trainingRun(id: run)?.parentPolicy == candidate) }
    }
}
