import ArgumentParser
import FeedbackStore
import Foundation
import Testing
@testable import rounds

/// `rounds simulate-review` through the command parser: labelled simulated reviewers rate the
/// queue, and with --corrections they correct the triage answers they rate incorrect.
@Suite(.serialized) struct SimulateReviewCommandTests {
    @Test func reviewersCorrectWhatTheyRateIncorrectWhenAsked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-simulate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("feedback/rounds.sqlite").path
        let store = try FeedbackStore(path: db)
        for (i, answer) in ["Rest at home and drink water.", "Call 999 now: this needs an ambulance."].enumerated() {
            let prompt = try store.addPrompt(
                messages: [ChatMessage(role: "user", content: "Crushing chest pain and sweating, case \(i).")], heldOutFraction: 0).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: answer)
        }
        try store.enqueueJudgments(overlap: 2)

        // A share outside 0…1 is refused before anything is rated, naming the option.
        do {
            _ = try Rounds.parseAsRoot(["simulate-review", "--corrections", "1.5", "--db", db])
            Issue.record("a share above 1 was accepted")
        } catch {
            #expect(Rounds.message(for: error).contains("--corrections"))
        }
        var command = try Rounds.parseAsRoot(["simulate-review", "--noise", "0", "--corrections", "1", "--db", db])
        try command.run()
        let verdicts = try store.labelledCompletions(split: .train)
        #expect(verdicts.count == 4 && verdicts.filter(\.label).count == 2)
        // Both reviewers rated the answer that sends a red flag home incorrect, and corrected it.
        let corrections = try store.correctionRecords(split: .train)
        #expect(corrections.count == 2 && corrections.allSatisfy { $0.original == "Rest at home and drink water." })
        #expect(corrections.allSatisfy { $0.corrected.hasPrefix("Urgency: Emergency.") && $0.corrected.hasSuffix("Rest at home and drink water.") })
    }
}
