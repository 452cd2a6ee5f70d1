import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// Answers with nothing to read never reach a physician.
@Suite struct BlankAnswerTests {
    static let blanks = ["", "   ", "\n\n", "\t \r\n", "\u{3000}\u{3000}", "\u{A0}\u{200B}\u{FEFF}"]

    @Test func blankAnswersAreStoredButNeverQueued() throws {
        // Given one prompt answered with text by "base", and blank and real answers by "new"
        let store = try FeedbackStore.inMemory()
        let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "頭痛が続きます")]).prompt
        let baseline = try store.addSample(promptID: prompt.id!, policy: "base", text: "受診してください。")
        let blank = try Self.blanks.map { try store.addSample(promptID: prompt.id!, policy: "new", text: $0) }
        let real = try store.addSample(promptID: prompt.id!, policy: "new", text: "  安静にしてください。 ")

        // When everything is queued for judgment and head to head
        #expect(try store.enqueueJudgments(overlap: 1) == 2)
        #expect(try store.enqueuePairs(newPolicy: "new", baselinePolicy: "base", overlap: 1) == 1)

        // Then only the answers with text are in the queue
        let queued = try store.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT sample_id, other_sample_id FROM review_items ORDER BY id")
        }
        let ids = Set(queued.flatMap { [$0["sample_id"] as Int64?, $0["other_sample_id"] as Int64?].compactMap { $0 } })
        #expect(ids == [baseline.id!, real.id!])
        #expect(blank.allSatisfy { !ids.contains($0.id!) })
        // and an explicit pair with a blank answer is refused.
        #expect(throws: FeedbackStoreError.self) { try store.enqueuePair(sampleID: baseline.id!, otherSampleID: blank[1].id!) }
        // The blank answers stay stored: sampling does not ask for them again.
        #expect(try store.sampleCounts(policy: "new", promptIDs: [prompt.id!])[prompt.id!] == Self.blanks.count + 1)
    }

    @Test func blankMeansWhitespaceOnly() {
        for text in Self.blanks { #expect(FeedbackStore.isBlank(text), "\(text.unicodeScalars.map(\.value))") }
        for text in ["a", " 。", "\u{3000}患", "0"] { #expect(!FeedbackStore.isBlank(text), "\(text)") }
    }
}
