import FeedbackStore
import GRDB
import Foundation
import Testing
@testable import Review

/// The state machine against a real FeedbackStore in memory.
@Suite struct ReviewSessionTests {
    /// A store with reviewer "tanaka", `judgments` single answers and `pairs` pairs queued.
    static func makeSession(judgments: Int = 3, pairs: Int = 0, clock: @escaping () -> Double = { 0 }) throws
        -> (ReviewSession, FeedbackStore, Reviewer) {
        let store = try FeedbackStore.inMemory()
        let reviewer = try store.registerReviewer(name: "tanaka", displayName: "田中")
        for i in 0..<judgments {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i): 頭痛が続きます")]).prompt
            try store.addSample(promptID: prompt.id!, policy: "v1", text: "回答 \(i)")
        }
        try store.enqueueJudgments(overlap: 1)
        for i in 0..<pairs {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "Pair question \(i)")]).prompt
            let a = try store.addSample(promptID: prompt.id!, policy: "v1", text: "first \(i)")
            let b = try store.addSample(promptID: prompt.id!, policy: "v2", text: "second \(i)")
            try store.enqueuePair(sampleID: a.id!, otherSampleID: b.id!, overlap: 1)
        }
        let backend = try StoreReviewBackend(store: store, reviewer: "tanaka")
        let session = ReviewSession(backend: backend, reviewer: "田中",
                                    guidelines: Guidelines(path: "g.md", markdown: "# Guidelines"), clock: clock)
        try session.start()
        return (session, store, reviewer)
    }

    static func liveJudgments(_ store: FeedbackStore) throws -> [Row] {
        try store.reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT j.*, s.text AS answer FROM judgments j JOIN samples s ON s.id = j.sample_id
                WHERE j.retracted = 0 AND NOT EXISTS (SELECT 1 FROM judgments x WHERE x.supersedes_id = j.id)
                ORDER BY j.id
                """)
        }
    }

    func press(_ session: ReviewSession, _ keys: String) throws {
        for scalar in keys.unicodeScalars { _ = try session.handle(.char(scalar)) }
    }

    @Test func ratingKeysCommitWithHarmTagsCommentAndTimeSpent() throws {
        // Given a reviewer with three answers queued and a clock the test moves,
        nonisolated(unsafe) var now = 100.0
        let (session, store, _) = try Self.makeSession(clock: { now })
        #expect(session.state.progress == ReviewProgress(doneToday: 0, remaining: 3))
        let first = try #require(session.state.card)

        // when they choose harm "moderate", two tags, type a Japanese comment and press x
        // after 12.5 seconds,
        try press(session, "h2")
        try press(session, "g13")
        _ = try session.handle(.enter)
        try press(session, "m")
        for scalar in "用量が誤り".unicodeScalars { _ = try session.handle(.char(scalar)) }
        _ = try session.handle(.enter)
        #expect(session.state.draft == Annotation(harm: .moderate, tags: [.factualError, .missingRedFlag], comment: "用量が誤り"))
        now += 12.5
        let event = try session.handle(.char("x"))

        // then exactly that is in the database at once, and the next card is shown.
        guard case .rated(let rating)? = event else { Issue.record("no rating: \(String(describing: event))"); return }
        #expect(rating.cardID == first.id)
        let rows = try Self.liveJudgments(store)
        #expect(rows.count == 1)
        #expect(rows[0]["verdict"] == "incorrect")
        #expect(rows[0]["harm"] == "moderate")
        #expect((rows[0]["comment"] as String?) == "用量が誤り")
        #expect((rows[0]["tags"] as String?)?.contains("missing red flag") == true)
        #expect(rows[0]["seconds_spent"] == 12.5)
        #expect(session.state.card != first)
        #expect(session.state.draft.isEmpty)
        #expect(session.state.progress == ReviewProgress(doneToday: 1, remaining: 2))

        // And "1" rates correct too.
        try press(session, "1")
        #expect(try Self.liveJudgments(store).map { $0["verdict"] as String } == ["incorrect", "correct"])
    }

    @Test func undoBringsTheCardBackAndRetractsTheRating() throws {
        let (session, store, _) = try Self.makeSession()
        let first = try #require(session.state.card)
        try press(session, "c")
        #expect(try Self.liveJudgments(store).count == 1)
        #expect(try session.handle(.char("u")) == .undone)
        #expect(try Self.liveJudgments(store).isEmpty)
        #expect(session.state.card == first)
        #expect(session.state.progress.doneToday == 0)
        // Nothing more to undo.
        _ = try session.handle(.char("u"))
        #expect(session.state.message == "Nothing to undo.")
    }

    @Test func skipPassesTheCardOnAndEmptyQueueSaysSo() throws {
        let (session, store, _) = try Self.makeSession(judgments: 2)
        let first = try #require(session.state.card)
        #expect(try session.handle(.char("s")) == .skipped(cardID: first.id))
        try press(session, "c")
        #expect(session.state.card == nil)
        #expect(try Self.liveJudgments(store).count == 1)
        try press(session, "c")  // nothing to rate: no row, a message
        #expect(try Self.liveJudgments(store).count == 1)
        #expect(session.state.message?.contains("empty") == true)
        #expect(try session.handle(.char("q")) == .quit)
    }

    @Test func pairsTakeOnlyPairKeysAndStoreTheShownSides() throws {
        let (session, store, _) = try Self.makeSession(judgments: 0, pairs: 2)
        let card = try #require(session.state.card)
        guard case .pair(let a, _) = card.answers else { Issue.record("not a pair"); return }
        try press(session, "c")  // a single-answer key does nothing on a pair
        #expect(session.state.card == card)
        #expect(session.state.message?.contains("Pairs") == true)
        try press(session, "a")
        let row = try #require(try store.reader.read { db in
            try Row.fetchOne(db, sql: "SELECT c.outcome, s.text AS a_text FROM comparisons c JOIN samples s ON s.id = c.sample_a_id")
        })
        // Then the stored side A is the answer that was displayed as A.
        #expect(row["outcome"] == "a")
        #expect(row["a_text"] == a)
        try press(session, "n")
        #expect(try store.reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM comparisons WHERE outcome = 'both_bad'") } == 1)
    }

    @Test func scrollingKeysMoveTheBodyWithinBounds() throws {
        let (session, _, _) = try Self.makeSession()
        session.resize(TerminalSize(rows: 10, columns: 30))  // body of 5 rows, prompt + answer need more
        let limit = ReviewView.maxScroll(session.state)
        #expect(limit > 0)
        _ = try session.handle(.down)
        #expect(session.state.scroll == 1)
        _ = try session.handle(.end)
        #expect(session.state.scroll == limit)
        _ = try session.handle(.pageDown)
        #expect(session.state.scroll == limit)
        _ = try session.handle(.home)
        _ = try session.handle(.up)
        #expect(session.state.scroll == 0)
    }

    @Test func helpOpensAndClosesAndCtrlCQuitsFromAnyMode() throws {
        let (session, _, _) = try Self.makeSession()
        _ = try session.handle(.char("?"))
        #expect(session.state.mode == .help(scroll: 0))
        _ = try session.handle(.escape)
        #expect(session.state.mode == .rating)
        try press(session, "m")
        #expect(try session.handle(.interrupt) == .quit)
    }

    @Test func unknownReviewerErrorSaysHowToRegister() throws {
        let store = try FeedbackStore.inMemory()
        #expect(throws: ReviewError.unknownReviewer("sato", database: "x.sqlite")) {
            try StoreReviewBackend(store: store, reviewer: "sato", databasePath: "x.sqlite")
        }
        #expect(ReviewError.unknownReviewer("sato", database: "x.sqlite").localizedDescription.contains("rounds reviewer add sato"))
    }
}

/// A backend whose next `record` fails, as a locked or full disk would make it.
final class FailingOnceBackend: ReviewBackend {
    let base: ReviewBackend
    var failNextRecord = true
    init(_ base: ReviewBackend) { self.base = base }
    struct DiskFull: Error {}
    func nextCard() throws -> ReviewCard? { try base.nextCard() }
    func record(_ rating: Rating) throws {
        if failNextRecord { failNextRecord = false; throw DiskFull() }
        try base.record(rating)
    }
    func skip(cardID: Int64) throws { try base.skip(cardID: cardID) }
    func undoLast() throws -> Bool { try base.undoLast() }
    func progress() throws -> ReviewProgress { try base.progress() }
    func release(cardID: Int64) throws { try base.release(cardID: cardID) }
    func idle() throws { try base.idle() }
}

@Suite struct ReviewSessionFailureTests {
    @Test func aFailedSaveKeepsTheCardAndTheDetailsForAnotherTry() throws {
        // Given a session whose first save fails,
        let (_, store, _) = try ReviewSessionTests.makeSession()
        let backend = FailingOnceBackend(try StoreReviewBackend(store: store, reviewer: "tanaka"))
        let session = ReviewSession(backend: backend, reviewer: "田中", guidelines: Guidelines(path: "g", markdown: ""))
        try session.start()
        let card = session.state.card
        _ = try session.handle(.char("h"))
        _ = try session.handle(.char("3"))
        // when the reviewer presses x, the error reaches the driver and nothing changes;
        #expect(throws: FailingOnceBackend.DiskFull.self) { try session.handle(.char("x")) }
        #expect(session.state.card == card)
        #expect(session.state.draft.harm == .severe)
        #expect(try ReviewSessionTests.liveJudgments(store).isEmpty)
        // then pressing x again saves it with the details.
        _ = try session.handle(.char("x"))
        #expect(try ReviewSessionTests.liveJudgments(store).map { $0["harm"] as String? } == ["severe"])
    }
}
