import FeedbackStore
import Foundation
import Loop
import Testing
import Training
@testable import rounds

/// `rounds policy decide` and `rounds policy status` on a registry and database on disk.
@Suite struct PolicyReviewCommandTests {
    func run(_ arguments: [String]) throws {
        var command = try Rounds.parseAsRoot(arguments)
        try command.run()
    }

    @Test func decidePromotesACandidateInReviewOnceTheClinicianSaysSo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-cli-review-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = PolicyRegistry(root: folder.appendingPathComponent("policies"))
        let db = folder.appendingPathComponent("feedback/rounds.sqlite").path
        let base = PolicyManifest.BaseModel(path: "base/model.gguf", sha256: "0")
        try registry.save(PolicyManifest(name: "v1", parent: nil, kind: .base, base: base, method: "sft"))
        try registry.promote("v1", by: "test", reason: "first policy")
        try registry.save(PolicyManifest(name: "nightly-1", parent: "v1", kind: .lora, base: base, method: "dpo"))
        let store = try FeedbackStore(path: db)
        try ClinicianReview(store: store, registry: registry, settings: PromotionSettings())
            .beginReview("nightly-1", by: "nightly", reason: "every gate held")
        for i in 0..<12 {
            let prompt = try store.addPrompt(messages: [.init(role: "user", content: "question \(i)")]).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "old \(i)")
            try store.addSample(promptID: prompt.id!, policy: "nightly-1", text: "new \(i)")
        }
        try store.enqueuePairs(newPolicy: "nightly-1", baselinePolicy: "v1", overlap: 1)
        let common = ["--db", db, "--policies", registry.root.path, "--config", folder.appendingPathComponent("none.json").path]

        // Nine wins cannot promote; the tenth can.
        let clinician = try store.registerReviewer(name: "dr-sato")
        func rateOne() throws {
            let item = try #require(try store.nextItem(for: clinician, kinds: [.comparison]))
            guard case let .compare(a, _) = item.content else { Issue.record("expected a pair"); return }
            let newIsA = try store.sample(id: a.id!)?.policyID == store.policy(named: "nightly-1")?.id
            try store.recordComparison(assignmentID: item.assignmentID, reviewer: clinician, outcome: newIsA ? .a : .b, secondsSpent: 4)
        }
        for _ in 0..<9 { try rateOne() }
        try run(["policy", "decide", "nightly-1", "--by", "dr-lead"] + common)
        #expect(try registry.manifest("nightly-1").status == .review)
        #expect(try registry.manifest("nightly-1").statusReason?.contains("looked at by dr-lead") == true)
        try run(["policy", "status", "--json"] + common)
        try rateOne()
        try run(["policy", "decide", "--by", "dr-lead"] + common)
        let manifest = try registry.manifest("nightly-1")
        #expect(manifest.status == .production && manifest.history.last?.by == "dr-lead")
        #expect(manifest.metrics["review_wins"] == 10 && manifest.metrics["review_comparisons"] == 10)
        try run(["policy", "status"] + common)

        // Deciding a policy that is not in review says why.
        do {
            try run(["policy", "decide", "v1"] + common)
            Issue.record("deciding a policy that is not in review was accepted")
        } catch {
            #expect(Rounds.message(for: error).contains("not in review"))
        }
    }
}
