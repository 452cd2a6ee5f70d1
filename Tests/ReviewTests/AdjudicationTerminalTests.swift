import FeedbackStore
import Foundation
import GRDB
import Support
import Testing
@testable import Review

/// `rounds review --adjudicate` on a pseudo-terminal: the lead reads every rating side by side
/// at 80×24, picks the label, and the database keeps the ratings and records the label.
@Suite(.serialized) struct AdjudicationTerminalTests {
    let me = Caller.currentLogin()

    /// Two reviewers who disagree on both queued answers (sato's comment carries an escape
    /// sequence that must not reach the terminal); `lead` is the database's lead.
    func database(lead: String) throws -> ReviewDatabase {
        let database = try ReviewDatabase(reviewers: ["tanaka", "sato"], judgments: 2, overlap: 2, displayNames: ["sato": "佐藤 一郎"])
        let store = try FeedbackStore(path: database.path)
        for (name, verdict) in [("tanaka", Verdict.correct), ("sato", .incorrect)] {
            let reviewer = try #require(try store.reviewer(named: name))
            while let item = try store.nextItem(for: reviewer) {
                try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: verdict,
                                         harm: name == "sato" ? .severe : nil, tags: name == "sato" ? ["dosage"] : [],
                                         comment: name == "sato" ? "用量が誤り\u{1B}[2J\u{1B}]0;pwned\u{07}" : nil, secondsSpent: 5)
            }
        }
        try store.addReviewer(name: lead, displayName: "主任 医師", role: .lead, by: store.actor(login: lead))
        return database
    }

    @Test func theLeadSettlesADisagreementAndTheRatingsStay() throws {
        let database = try database(lead: me)
        defer { database.remove() }
        let tty = try PseudoTerminalSession(["review", "--adjudicate", "--db", database.path], rows: 24, columns: 80)
        #expect(tty.waitFor("Rounds adjudication"), "\(tty.screen.text)")
        #expect(tty.waitFor("case 1 of 2"))
        let screen = tty.screen.text
        #expect(screen.contains("主任 医師") && screen.contains("RATINGS (2 reviewers)"))
        #expect(screen.contains("佐藤 一郎") && screen.contains("incorrect · harm severe · tags dosage"))
        #expect(screen.contains("用量が誤り^[[2J^[]0;pwned^G"))   // shown, not obeyed
        #expect(screen.contains("質問 0："))
        #expect(screen.contains("c correct") && screen.contains("x incorrect"))
        #expect(tty.screen.lines.count == 24 && tty.screen.lines.allSatisfy { DisplayWidth.of($0) <= 80 })
        tty.send("x")
        #expect(tty.waitFor("Settled: incorrect"))
        #expect(tty.waitFor("case 2 of 2") && tty.screen.text.contains("1 settled · 1 waiting"))
        tty.send("z")
        #expect(tty.waitFor("Press c (correct) or x (incorrect)"))
        tty.send("s")
        #expect(tty.waitFor("No disagreement left"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)

        let rows = try database.read { db in try Row.fetchAll(db, sql: "SELECT a.label, r.name FROM adjudications a JOIN reviewers r ON r.id = a.lead_id") }
        #expect(rows.count == 1 && rows[0]["label"] == "incorrect" && rows[0]["name"] == me)
        #expect(try database.liveJudgments().count == 4)
        let store = try FeedbackStore(path: database.path)
        #expect(try store.adjudicationSummary().adjudicated == 1 && store.adjudicationSummary().pending == 1)
    }

    @Test func aReviewerCannotAdjudicate() throws {
        let database = try database(lead: "boss")
        defer { database.remove() }
        let tty = try PseudoTerminalSession(["review", "--adjudicate", "--db", database.path], rows: 24, columns: 80)
        #expect(tty.waitForExit() != 0)
        #expect(tty.screen.text.contains("for a lead only"), "\(tty.screen.text)")
        #expect(try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM adjudications") } == 0)
    }
}
