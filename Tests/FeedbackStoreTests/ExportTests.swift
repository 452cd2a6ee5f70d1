import Foundation
import GRDB
import Testing
@testable import FeedbackStore

@Suite struct ExportTests {
    /// Three pairs compared once each by "sato": a preference (then edited), a tie, both bad.
    func comparedStore(_ kind: StoreKind) throws -> (FeedbackStore, [[Sample]], Reviewer) {
        let store = try makeStore(kind)
        let samples = try seed(store, prompts: 3, policies: ["v2", "v1"])
        try store.enqueuePairs(newPolicy: "v2", baselinePolicy: "v1", overlap: 1)
        let sato = try store.registerReviewer(name: "sato", displayName: "佐藤")
        var outcomes: [Outcome] = [.b, .tie, .bothBad]
        while let item = try store.nextItem(for: sato) {
            let comparison = try store.recordComparison(
                assignmentID: item.assignmentID, reviewer: sato, outcome: outcomes.removeFirst(), comment: "比較, \"引用\"", secondsSpent: 20)
            if comparison.outcome == .b {
                // The reviewer changes their mind: the edit supersedes the first rating.
                try store.amendComparison(comparison.id!, reviewer: sato, outcome: .a, secondsSpent: 5)
            }
        }
        return (store, samples, sato)
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func preferenceExportKeepsLatestPreferencesOnly(_ kind: StoreKind) throws {
        // Given one edited preference, one tie and one both-bad
        let (store, _, _) = try comparedStore(kind)
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("pairs.jsonl").path

        // When exported in TRL preference format
        let summary = try store.export(.preference, to: path, split: .all)

        // Then one line: the edited outcome (A preferred), ties and both-bad left out
        #expect(summary == ExportSummary(rows: 1, leftOut: 2))
        let line = try #require(try lines(path).first)
        let comparison = try store.reader.read { db in try Comparison.filter(sql: "outcome = 'a'").fetchOne(db) }
        let chosenID = try #require(comparison?.sampleAID)
        let chosen = try #require(try store.sample(id: chosenID))
        #expect(line["chosen"] as? String == chosen.text && (line["rejected"] as? String)?.isEmpty == false)
        #expect((line["prompt"] as? String)?.hasPrefix("質問") == true)
        // And Japanese is written as UTF-8, not \u escapes
        let raw = try String(contentsOfFile: path, encoding: .utf8)
        #expect(raw.contains("の回答") && !raw.contains("\\u"))
        // And the reviewer is a stable pseudonym, named only when asked
        let pseudonym = try #require(line["reviewer"] as? String)
        #expect(pseudonym.hasPrefix("reviewer-") && pseudonym != "sato")
        try store.export(.preference, to: path, split: .all)
        #expect(try lines(path).first?["reviewer"] as? String == pseudonym)
        try store.export(.preference, to: path, split: .all, withReviewerNames: true)
        #expect(try lines(path).first?["reviewer"] as? String == "sato")
        // And no temporary files are left beside it, and it is owner-only (clinical text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["pairs.jsonl"])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    @Test(arguments: StoreKind.allCases)
    func unpairedAndSFTExportsFollowTheVerdicts(_ kind: StoreKind) throws {
        // Given two answers: one judged correct by both reviewers, one disputed
        let store = try makeStore(kind)
        let samples = try seed(store, prompts: 2, policies: ["v1"])
        try store.enqueueJudgments(overlap: 2)
        let reviewers = try [store.registerReviewer(name: "a"), store.registerReviewer(name: "b")]
        for (r, reviewer) in reviewers.enumerated() {
            while let item = try store.nextItem(for: reviewer) {
                let disputed = item.samples[0].id == samples[1][0].id && r == 1
                try store.recordJudgment(
                    assignmentID: item.assignmentID, reviewer: reviewer, verdict: disputed ? .incorrect : .correct,
                    harm: disputed ? .mild : nil, tags: disputed ? ["dosage"] : [], secondsSpent: 7)
            }
        }
        let folder = try temporaryFolder()

        // When exported as unpaired and as SFT
        let unpaired = folder.appendingPathComponent("kto.jsonl").path
        #expect(try store.export(.unpaired, to: unpaired, split: .all).rows == 4)
        let sft = folder.appendingPathComponent("sft.jsonl").path
        #expect(try store.export(.sft, to: sft, split: .all) == ExportSummary(rows: 1, leftOut: 1))

        // Then unpaired has one labelled line per judgment
        let labels = try lines(unpaired).map { $0["label"] as? Bool }
        #expect(labels.filter { $0 == true }.count == 3 && labels.filter { $0 == false }.count == 1)
        #expect(try lines(unpaired).contains { ($0["tags"] as? [String]) == ["dosage"] && $0["harm"] as? String == "mild" })
        // And SFT has only the undisputed answer, as user + assistant messages
        let messages = try #require(try lines(sft).first?["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["user", "assistant"] && messages[1]["content"] == samples[0][0].text)
    }

    @Test func heldOutPromptsStayOutOfTrainingExports() throws {
        // Given a judged answer to a held-out prompt (fraction near 1 holds out everything)
        let store = try makeStore(.inMemory)
        let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "評価用")], heldOutFraction: 0.999_999).prompt
        #expect(prompt.split == .heldout)
        try store.addSample(promptID: prompt.id!, policy: "v1", text: "答え")
        try store.enqueueJudgments(overlap: 1)
        let r = try store.registerReviewer(name: "r")
        let item = try #require(try store.nextItem(for: r))
        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .correct, secondsSpent: 1)

        // Then the default (train) export and snapshot leave it out; `all` has it
        #expect(try store.labelledCompletions().isEmpty)
        #expect(try store.labelledCompletions(split: .all).count == 1)
        #expect(try store.feedbackSnapshot().judgmentIDs.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func csvQuotesCommasQuotesAndNewlines(_ kind: StoreKind) throws {
        // Given comparisons whose comment holds a comma and quotes
        let (store, _, _) = try comparedStore(kind)
        let path = try temporaryFolder().appendingPathComponent("all.csv").path

        // When exported as CSV
        let summary = try store.export(.csv, to: path, split: .all)

        // Then a header and the three live comparisons, the comment quoted per RFC 4180
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(summary.rows == 3)
        #expect(text.hasPrefix("kind,rating_id,created_at,reviewer,"))
        #expect(text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 4)
        #expect(text.contains("\"比較, \"\"引用\"\"\""))
    }

    @Test(arguments: StoreKind.allCases)
    func trainingRunsRecordTheExactFeedbackRows(_ kind: StoreKind) throws {
        // Given live feedback: three comparisons (one edited)
        let (store, _, _) = try comparedStore(kind)
        let snapshot = try store.feedbackSnapshot(split: .all)
        #expect(snapshot.comparisonIDs.count == 3 && snapshot.judgmentIDs.isEmpty)

        // When a run starts and finishes
        let run = try store.startTrainingRun(kind: "dpo", parentPolicy: "v1", parameters: #"{"beta":0.1}"#, feedback: snapshot)
        let finished = try store.finishTrainingRun(run.id!, succeeded: true, outputPolicy: "v3", metrics: #"{"loss":0.42}"#)

        // Then the rows and their hash are stored, and a run finishes only once
        #expect(try store.trainingRunFeedback(run.id!) == snapshot)
        #expect(finished.feedbackHash == snapshot.hash && finished.status == .succeeded && finished.outputPolicy == "v3")
        #expect(throws: FeedbackStoreError.trainingRunFinished(run.id!)) { try store.finishTrainingRun(run.id!, succeeded: false) }
        // And the hash names the set, not the order it was listed in
        #expect(FeedbackSnapshot(judgmentIDs: [3, 1], comparisonIDs: []).hash == FeedbackSnapshot(judgmentIDs: [1, 3], comparisonIDs: []).hash)
        #expect(throws: DatabaseError.self) { try writeRaw(store, "DELETE FROM training_run_feedback") }
    }
}
