import FeedbackStore
import Foundation
import GRDB
import Testing
@testable import Review
import Support

/// Nothing is rated that was not on screen: through the real binary on a pseudo-terminal.
@Suite(.serialized) struct ReviewUnseenTests {
    @Test func keysTypedBeforeACardIsDrawnAreDiscarded() throws {
        // Given five answers and the first one on screen,
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 5)
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        #expect(tty.screen.text.contains("質問 0："))

        // when the reviewer types x c x c x in one burst,
        tty.send("xcxcx")
        #expect(tty.waitFor("1 done today"))

        // then only the first x, on the card that was shown, is saved; the rest were typed
        // before the next card was drawn and are ignored, and the tool says so.
        #expect(tty.waitFor("4 keys typed before this card was shown were ignored."), "\(tty.screen.text)")
        #expect(tty.screen.text.contains("質問 1："))
        tty.pump(milliseconds: 300)
        #expect(try database.liveJudgments().map { $0["verdict"] as String } == ["incorrect"])
        #expect(try database.liveJudgments().allSatisfy { ($0["seconds_spent"] as Double) > 0 })

        // A key typed once the next card is on screen counts.
        tty.send("c")
        #expect(tty.waitFor("2 done today"))
        #expect(tty.screen.text.contains("Saved: correct."))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try database.liveJudgments().map { $0["verdict"] as String } == ["incorrect", "correct"])
    }

    @Test func keysTypedWhileTheToolStartsAreDiscarded() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 2)
        defer { database.remove() }
        // The reviewer types c before the first card is on screen (the tool is still starting).
        let tty = try PseudoTerminalSession(
            ["review", "--reviewer", "tanaka", "--db", database.path, "--guidelines", packageRoot + "/feedback/guidelines.md"])
        tty.send("c")
        #expect(tty.waitFor("1 key typed before this card was shown was ignored."), "\(tty.screen.text)")
        #expect(tty.screen.text.contains("0 done today") && tty.screen.text.contains("質問 0："))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try database.liveJudgments().isEmpty)
    }

    @Test func aPairIsRefusedUntilBothAnswersWereShownToTheirLastLines() throws {
        // Given a pair whose answers take 37 body lines at 80×24 (19 fit),
        let answer = { (side: String) in (1...15).map { "\(side) 第\($0)行：胸痛が続く場合は救急外来を受診してください。" }.joined(separator: "\n") }
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 0, pairs: 1, pairAnswers: { _ in (answer("甲"), answer("乙")) })
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        #expect(tty.screen.text.contains("lines 1–19 of 37"), "\(tty.screen.text)")

        // when the reviewer presses b with the end of answer B below the screen,
        tty.send("b")
        // then nothing is saved and the tool says why;
        #expect(tty.waitFor("Scroll to the end of answer B before rating"), "\(tty.screen.text)")
        #expect(tty.screen.text.contains("0 done today"))

        // after paging down to the end, the same key is accepted.
        tty.send(" ")
        #expect(tty.waitFor("of 37 · ↑ PgUp"))
        #expect(tty.screen.text.contains("15行："))
        tty.send("b")
        #expect(tty.waitFor("1 done today"), "\(tty.screen.text)")
        #expect(tty.screen.text.contains("Saved: B is better."))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        let outcomes = try database.read { try String.fetchAll($0, sql: "SELECT outcome FROM comparisons") }
        #expect(outcomes == ["b"])
    }

    @Test func jumpingToTheEndLeavesAnswerAUnseen() throws {
        // Given a pair of answers each longer than the screen (19 body rows),
        let long = { (side: String, count: Int) in (1...count).map { "\(side)\($0): take the full course." }.joined(separator: "\n") }
        let card = ReviewCard(id: 1, prompt: "Otitis media?", answers: .pair(a: long("A", 30), b: long("B", 20)))
        let session = ReviewSession(backend: OneCardBackend(card), reviewer: "tanaka", guidelines: Guidelines(path: "g", markdown: ""))
        try session.start()
        // when the reviewer jumps to the end and rates,
        _ = try session.handle(.end)
        #expect(try session.handle(.char("a")) == nil)
        // then the rating is refused until the end of answer A was on screen too.
        #expect(session.state.message == "Scroll back to the end of answer A before rating (PgUp).")
        _ = try session.handle(.pageUp)
        #expect(session.state.seen.flags == [true, true])
        guard case .rated(let rating)? = try session.handle(.char("a")) else { Issue.record("not rated"); return }
        #expect(rating.choice == .preferA)
    }

    @Test func aLongSingleAnswerIsRatedOnlyOnceItsEndWasShown() throws {
        let long = (1...50).map { "第\($0)段落：安静にしてください。" }.joined(separator: "\n")
        let session = ReviewSession(backend: OneCardBackend(ReviewCard(id: 3, prompt: "頭痛", answers: .single(long))),
                                    reviewer: "tanaka", guidelines: Guidelines(path: "g", markdown: ""))
        try session.start()
        #expect(try session.handle(.char("c")) == nil)
        #expect(session.state.message == "Scroll to the end of the answer before rating (PgDn/space).")
        _ = try session.handle(.char(" "))
        #expect(session.state.seen.flags == [false])  // one page down is not yet the end
        _ = try session.handle(.char(" "))
        #expect(session.state.seen.flags == [true])
        _ = try session.handle(.home)  // scrolling back up keeps it read
        guard case .rated(let rating)? = try session.handle(.char("c")) else { Issue.record("not rated"); return }
        #expect(rating.choice == .correct)
    }

    @Test func nothingIsRatedWhileTheWindowIsTooSmallToShowTheCard() throws {
        let backend = OneCardBackend(ReviewCard(id: 4, prompt: "咳", answers: .single("水分をとってください。")))
        let session = ReviewSession(backend: backend, reviewer: "tanaka", guidelines: Guidelines(path: "g", markdown: ""))
        session.resize(TerminalSize(rows: 6, columns: 20))
        try session.start()
        #expect(try session.handle(.char("c")) == nil)
        #expect(session.state.message == "The window is too small to show the answers; enlarge it before rating.")
        session.resize(TerminalSize(rows: 24, columns: 80))
        #expect(try session.handle(.char("c")) != nil)
        #expect(backend.recorded.count == 1)
    }

    @Test func theKeyThatFindsNewItemsDoesNotRateThem() throws {
        // Given an empty queue on screen, then an item arriving,
        let backend = OneCardBackend(nil)
        let session = ReviewSession(backend: backend, reviewer: "tanaka", guidelines: Guidelines(path: "g", markdown: ""))
        try session.start()
        backend.card = ReviewCard(id: 9, prompt: "咳", answers: .single("水分をとってください。"))
        // when the reviewer presses c, the new card is shown, not rated;
        #expect(try session.handle(.char("c")) == nil)
        #expect(session.state.card?.id == 9)
        #expect(backend.recorded.isEmpty)
        #expect(session.state.message == "New items have arrived; here is the next one.")
        // pressed again, with the card on screen, it rates.
        #expect(try session.handle(.char("c")).map { if case .rated = $0 { true } else { false } } == true)
        #expect(backend.recorded.count == 1)
    }
}

/// One card, for session tests that need a card of their own making.
final class OneCardBackend: ReviewBackend {
    var card: ReviewCard?
    var recorded: [Rating] = []
    init(_ card: ReviewCard?) { self.card = card }
    func nextCard() throws -> ReviewCard? { card }
    func record(_ rating: Rating) throws { recorded.append(rating); card = nil }
    func skip(cardID: Int64) throws { card = nil }
    func undoLast() throws -> Bool { false }
    func progress() throws -> ReviewProgress { ReviewProgress(doneToday: recorded.count, remaining: card == nil ? 0 : 1) }
    func release(cardID: Int64) throws {}
    func idle() throws {}
}
