import FeedbackStore
import Foundation
import GRDB
import Testing
@testable import Review

/// What the reviewer sees when a claim lapsed while they were away, and what quitting
/// gives back.
@Suite struct ReviewClaimTests {
    /// A store clock the test moves.
    final class StoreClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 1_800_000_000)
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    @Test func aRatingOnALapsedAndTakenClaimIsNotSavedAndTheNextCardComes() throws {
        // Given tanaka looking at the first of two answers (each wanted once), claims lasting a minute
        let clock = StoreClock()
        let store = try FeedbackStore.inMemory(claimLifetime: 60, now: { clock.now })
        try store.registerReviewer(name: "tanaka", displayName: "田中")
        let sato = try store.registerReviewer(name: "sato")
        for i in 0..<2 {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i)")]).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "回答 \(i)")
        }
        try store.enqueueJudgments(overlap: 1)
        let session = ReviewSession(backend: try StoreReviewBackend(store: store, reviewer: "tanaka"), reviewer: "田中",
                                    guidelines: Guidelines(path: "g.md", markdown: ""))
        try session.start()
        let first = try #require(session.state.card)
        #expect(session.state.progress.remaining == 2)

        // When tanaka is away past the lifetime, sato takes that item, and tanaka presses c
        clock.advance(61)
        #expect(try store.nextItem(for: sato)?.itemID == first.itemNumber)
        #expect(try session.handle(.char("c")) == nil)

        // Then nothing was saved, the message says why, and the other answer is on screen
        #expect(session.state.message?.contains("another reviewer") == true)
        let second = try #require(session.state.card)
        #expect(second.itemNumber != first.itemNumber)
        #expect(session.state.progress == ReviewProgress(doneToday: 0, remaining: 1))
        #expect(try store.reader.read { db in try Judgment.fetchCount(db) } == 0)

        // When tanaka quits, Then the card on screen goes back to the queue at once
        try session.end()
        #expect(session.state.card == nil)
        #expect(try store.reader.read { db in try Assignment.fetchOne(db, key: second.id)?.state } == .released)
        #expect(try store.progress(reviewer: sato, since: .distantPast).remaining == 2)
    }
}
