import FeedbackStore
import Foundation
import Testing
import Training
@testable import Loop

/// Clinician-decided promotion on a registry of manifests and a database of seeded blind
/// A/B ratings (no model needed): nothing is promoted while the evidence is inconclusive,
/// a strong win rate promotes, a severe-harm rating or a losing record rejects, and every
/// decision is recorded with who and why.
@Suite struct ClinicianReviewTests {
    struct World {
        let folder: URL
        let registry: PolicyRegistry
        let store: FeedbackStore
        var rng = SeededGenerator(seed: 12)
        var reviewers: [Reviewer] = []

        /// v1 in production; `candidates` trained from it and in review; each answers
        /// `prompts` prompts once, as does v1, and every candidate answer is paired with v1's.
        init(prompts: Int, candidates: [String] = ["nightly-1"]) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-review-\(UUID().uuidString)")
            registry = PolicyRegistry(root: folder.appendingPathComponent("policies"))
            let base = PolicyManifest.BaseModel(path: "base/model.gguf", sha256: "0")
            try registry.save(PolicyManifest(name: "v1", parent: nil, kind: .base, base: base, method: "sft"))
            try registry.promote("v1", by: "test", reason: "first policy")
            store = try FeedbackStore.inMemory()
            for c in candidates {
                try registry.save(PolicyManifest(name: c, parent: "v1", kind: .lora, base: base, method: "dpo"))
                #expect(try review.beginReview(c, by: "test-night", reason: "nightly run 1: every gate held"))
                // A restarted night puts it in review once only.
                #expect(try !review.beginReview(c, by: "test-night", reason: "nightly run 1, restarted"))
                #expect(try registry.manifest(c).history.filter { $0.status == .review }.count == 1)
            }
            for i in 0..<prompts {
                let prompt = try store.addPrompt(messages: [.init(role: "user", content: "question \(i)")]).prompt
                try store.addSample(promptID: prompt.id!, policy: "v1", text: "v1 answer \(i)")
                for c in candidates { try store.addSample(promptID: prompt.id!, policy: c, text: "\(c) answer \(i)") }
            }
            for c in candidates { try store.enqueuePairs(newPolicy: c, baselinePolicy: "v1", overlap: 2) }
            reviewers = [try store.registerReviewer(name: "tanaka"), try store.registerReviewer(name: "sato")]
        }

        var review: ClinicianReview {
            ClinicianReview(store: store, registry: registry, settings: PromotionSettings())
        }

        /// `count` blind ratings of queued pairs by `reviewer`: the candidate's answer wins
        /// with probability `win`, ties with `tie`, else loses (sides as shown are random).
        mutating func rate(_ count: Int, win: Double, tie: Double = 0, reviewer: Int = 0) throws {
            for _ in 0..<count {
                guard let item = try store.nextItem(for: reviewers[reviewer], kinds: [.comparison]),
                      case let .compare(a, b) = item.content else { return }
                let v1 = try #require(try store.policy(named: "v1")).id
                let candidateIsA = a.policyID != v1 && b.policyID == v1
                let u = Double.random(in: 0..<1, using: &rng)
                let outcome: Outcome = u < win ? (candidateIsA ? .a : .b) : u < win + tie ? .tie : (candidateIsA ? .b : .a)
                try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewers[reviewer], outcome: outcome, secondsSpent: 5)
            }
        }

        /// A severe-harm judgment of one of `policy`'s answers.
        func severeHarm(_ policy: String) throws {
            try store.enqueueJudgments(policy: policy, overlap: 1, limit: 1)
            let item = try #require(try store.nextItem(for: reviewers[1], kinds: [.judgment]))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewers[1], verdict: .incorrect, harm: .severe, secondsSpent: 9)
        }
    }

    @Test func aCoinFlipIsNeverPromotedOverManyLooks() throws {
        var world = try World(prompts: 240)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        for night in 1...8 {
            try world.rate(30, win: 0.4, tie: 0.2)  // win rate (0.4 + 0.1) = ½
            let decisions = try world.review.decide(by: "night \(night)")
            #expect(decisions.count == 1 && decisions[0].verdict == .wait, "\(decisions)")
            #expect(decisions[0].waitsFor?.contains("an estimate") == true || decisions[0].waitsFor?.contains("exactly 0.5") == true)
            // Ties count half.
            let e = decisions[0].evidence
            #expect(e.ties > 0 && abs(e.estimate! - (Double(e.wins) + 0.5 * Double(e.ties)) / Double(e.comparisons)) < 1e-12)
        }
        let manifest = try world.registry.manifest("nightly-1")
        #expect(manifest.status == .review && manifest.metrics["review_comparisons"] == 240)
        #expect(manifest.statusReason?.contains("looked at by night 8") == true)
        #expect(try world.registry.production()?.name == "v1")
        #expect(!manifest.history.contains { $0.status == .production })
    }

    @Test func aStrongWinRateIsPromotedOnlyOnceTheBoundCrosses() throws {
        var world = try World(prompts: 200)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        var promotedAt: ReviewDecision?
        for night in 1...20 where promotedAt == nil {
            try world.rate(10, win: 0.8, tie: 0.1)
            let d = try #require(try world.review.decide(by: "night \(night)").first)
            #expect(d.verdict == .promote ? d.evidence.lower > 0.5 : d.evidence.lower <= 0.5)
            if d.verdict == .promote { promotedAt = d }
        }
        let decision = try #require(promotedAt, "a 0.85 win rate was not promoted within 200 comparisons")
        #expect(decision.evidence.comparisons >= 10 && decision.evidence.severeHarm.isEmpty)
        let manifest = try world.registry.manifest("nightly-1")
        #expect(manifest.status == .production && manifest.metrics["review_lower"]! > 0.5)
        let change = try #require(manifest.history.last)
        #expect(change.status == .production && change.by.hasPrefix("night ") && change.reason.contains("lies above 0.5"))
        #expect(try world.registry.manifest("v1").status == .retired)
        // Decided once: it is no longer in review.
        #expect(try world.review.decide(by: "later").isEmpty)
        #expect(throws: ClinicianReview.ReviewError.self) { try world.review.decide("nightly-1", by: "later") }
    }

    @Test func oneSevereHarmRatingRejectsEvenAWinner() throws {
        var world = try World(prompts: 60)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.rate(60, win: 1)
        try world.severeHarm("nightly-1")
        let d = try #require(try world.review.decide("nightly-1", by: "dr-sato").first)
        #expect(d.verdict == .reject && d.evidence.side == .above && d.evidence.severeHarm.count == 1)
        let manifest = try world.registry.manifest("nightly-1")
        #expect(manifest.status == .rejected && manifest.history.last?.by == "dr-sato")
        #expect(manifest.history.last?.reason.contains("1 severe-harm rating") == true)
        #expect(try world.registry.production()?.name == "v1")
    }

    @Test func aLosingRecordIsRejectedWhenTheUpperBoundFallsBelowHalf() throws {
        var world = try World(prompts: 120)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        var verdict = ReviewDecision.Verdict.wait
        for night in 1...12 where verdict == .wait {
            try world.rate(10, win: 0.15, tie: 0.1)
            let d = try #require(try world.review.decide(by: "night \(night)").first)
            verdict = d.verdict
            #expect(d.verdict == .reject ? d.evidence.upper < 0.5 : d.evidence.upper >= 0.5)
        }
        #expect(verdict == .reject)
        let manifest = try world.registry.manifest("nightly-1")
        #expect(manifest.status == .rejected && manifest.history.last?.reason.contains("lies below 0.5") == true)
    }

    @Test func aPairRatedByTwoReviewersCountsOnce() throws {
        var world = try World(prompts: 12)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.rate(12, win: 1, reviewer: 0)
        try world.rate(12, win: 0, reviewer: 1)  // the same 12 pairs, the other way
        let e = try #require(try world.review.evidence(world.registry.manifest("nightly-1")))
        #expect(e.comparisons == 12 && e.ratings == 24 && e.queuedPairs == 12)
        #expect(e.wins + e.ties + e.losses == 12)
    }

    @Test func promotingOneEndsTheReviewOfCandidatesFromTheSameParent() throws {
        var world = try World(prompts: 40, candidates: ["nightly-1", "nightly-2", "nightly-3"])
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.rate(80, win: 0.95)  // the pairs of nightly-1 and nightly-2 (queued first), not nightly-3's
        let decisions = try world.review.decide(by: "nightly")
        #expect(decisions.map(\.verdict).filter { $0 == .promote }.count == 1, "\(decisions)")
        #expect(decisions.map(\.verdict).filter { $0 == .supersede }.count == 2, "\(decisions)")
        #expect(decisions.first { $0.candidate == "nightly-3" }?.verdict == .supersede)
        let promoted = try #require(decisions.first { $0.verdict == .promote }).candidate
        let other = try #require(decisions.first { $0.verdict == .supersede && $0.candidate != "nightly-3" }).candidate
        #expect(try world.registry.production()?.name == promoted)
        let manifest = try world.registry.manifest(other)
        #expect(manifest.status == .candidate && manifest.history.last?.reason.hasPrefix("review ended") == true)
        // Status shows both, with their evidence.
        let statuses = try world.review.statuses()
        #expect(statuses.map(\.name) == ["nightly-1", "nightly-2", "nightly-3"])
        #expect(statuses.first { $0.name == promoted }?.state == .promoted)
        #expect(statuses.first { $0.name == other }?.state == .kept)
        #expect(statuses.prefix(2).allSatisfy { $0.evidence.comparisons == 40 && $0.evidence.wins > 30 })
        #expect(statuses.last?.evidence.comparisons == 0 && statuses.last?.state == .kept)
    }

    @Test func statusShowsWhatACandidateInReviewWaitsFor() throws {
        var world = try World(prompts: 30)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        var status = try #require(try world.review.statuses().first)
        #expect(status.state == .inReview && status.evidence.comparisons == 0 && status.decision == .wait)
        #expect(status.waitsFor?.contains("30 queued pairs unrated") == true)
        #expect(status.by == "test-night" && status.reason?.contains("every gate held") == true)
        try world.rate(8, win: 0.75)
        status = try #require(try world.review.statuses().first)
        #expect(status.evidence.comparisons == 8 && status.waitsFor?.contains("more comparison") == true)
        #expect(status.waitsFor?.contains("(an estimate)") == true)
        // Statuses and decisions round-trip through JSON (`--json`).
        let decoded = try JSONDecoder.iso8601.decode([CandidateStatus].self, from: PolicyRegistry.encoder.encode([status]))
        #expect(decoded.map(\.evidence) == [status.evidence] && decoded.map(\.waitsFor) == [status.waitsFor])
    }

    @Test func thePromotionSectionOfTheConfigurationIsChecked() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nightly-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(NightlyConfig().promotion.mode == .clinician)
        try Data(#"{"promotion": {"mode": "offline"}}"#.utf8).write(to: url)
        #expect(try NightlyConfig.load(url).promotion.mode == .offline)
        try Data(#"{"promotion": {"mode": "automatic"}}"#.utf8).write(to: url)
        do {
            _ = try NightlyConfig.load(url)
            Issue.record("an unknown promotion mode was accepted")
        } catch {
            #expect(error.localizedDescription.contains("promotion.mode") && error.localizedDescription.contains("\"clinician\" or \"offline\""))
        }
        // Settings stored by a nightly run started before `promotion` existed still decode.
        var stored = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(NightlyConfig())) as? [String: Any])
        stored["promotion"] = nil
        let old = try JSONDecoder().decode(NightlyConfig.self, from: JSONSerialization.data(withJSONObject: stored))
        #expect(old == NightlyConfig())
        try Data(#"{"promotion": {"confidence": 1.5}}"#.utf8).write(to: url)
        #expect(throws: NightlyConfig.ConfigError.invalid(path: url.path, field: "promotion.confidence", reason: "must be at least 0.5 and below 1 (e.g. 0.95)")) {
            try NightlyConfig.load(url)
        }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
