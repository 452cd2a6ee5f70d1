import Foundation
import GRDB
import Support
import Testing
@testable import FeedbackStore

@Suite struct StatsReportTests {
    /// Two reviewers judge the same 10 answers; verdict patterns with hand-computed kappas.
    func judgedStore(_ kind: StoreKind, clock: TestClock) throws -> (FeedbackStore, Reviewer, Reviewer) {
        let store = try makeStore(kind, clock: clock)
        try seed(store, prompts: 10, policies: ["v1"])
        try store.enqueueJudgments(overlap: 2)
        let r1 = try store.registerReviewer(name: "r1", displayName: "山田")
        let r2 = try store.registerReviewer(name: "r2")
        let pattern1: [Verdict] = [.correct, .correct, .correct, .correct, .correct, .incorrect, .incorrect, .incorrect, .incorrect, .incorrect]
        let pattern2: [Verdict] = [.correct, .correct, .correct, .correct, .incorrect, .incorrect, .incorrect, .incorrect, .incorrect, .correct]
        for i in 0..<10 {
            let a = try #require(try store.nextItem(for: r1))
            try store.recordJudgment(assignmentID: a.assignmentID, reviewer: r1, verdict: pattern1[i], secondsSpent: Double(i + 1))
            let b = try #require(try store.nextItem(for: r2))
            #expect(a.itemID == b.itemID)
            try store.recordJudgment(assignmentID: b.assignmentID, reviewer: r2, verdict: pattern2[i], secondsSpent: 4)
            clock.advance(10)
        }
        return (store, r1, r2)
    }

    @Test(arguments: StoreKind.allCases)
    func onlyRatingsThatStillCountEnterTheStatistics(_ kind: StoreKind) throws {
        // Given two reviewers agreeing on 8 of 10 answers, marginals 5/5 each:
        // κ = (0.8 − 0.5) / (1 − 0.5) = 0.6
        let clock = TestClock()
        let (store, r1, r2) = try judgedStore(kind, clock: clock)
        var report = try store.statsReport(bootstrapRounds: 0, withReviewerNames: true)
        #expect(abs(try #require(report.judgmentAgreement.cohen.first?.kappa) - 0.6) < 1e-12)
        #expect(report.reviewers.first { $0.name == "r1" }?.medianSeconds == 5.5)

        // When r2 edits their last verdict to agree (9/10; marginals 5/5 and 4/6 → pe 0.5, κ 0.8)
        let last = try store.reader.read { db in
            try Judgment.filter(Judgment.Columns.reviewerID == r2.id!).order(Judgment.Columns.id.desc).fetchOne(db)
        }
        try store.amendJudgment(try #require(last?.id), reviewer: r2, verdict: .incorrect, secondsSpent: 2)
        report = try store.statsReport(bootstrapRounds: 0)
        #expect(abs(try #require(report.judgmentAgreement.cohen.first?.kappa) - 0.8) < 1e-12)

        // And then undoes it, which withdraws the edit and leaves r2 without a rating there:
        // 9 shared units, agreement 8/9, marginals 5C/4I and 4C/5I → pe = 40/81, κ = 32/41
        let undone = try #require(try store.undoLast(reviewer: r2))
        #expect(undone.ratingID != last?.id)
        report = try store.statsReport(bootstrapRounds: 0)
        #expect(abs(try #require(report.judgmentAgreement.cohen.first?.kappa) - 32.0 / 41) < 1e-12)
        // Then the correct rate counts r1's 5 of 10 and r2's 4 of 9
        let rate = try #require(report.correctRates.first)
        #expect(rate.correct == 9 && rate.total == 19)
        #expect(report.judgmentAgreement.units == 9 && report.judgmentAgreement.fleissRaters == 2)
        // And Fleiss and Krippendorff agree with Stats on the same 9 units
        let a1: [Int] = [0, 0, 0, 0, 0, 1, 1, 1, 1], a2: [Int] = [0, 0, 0, 0, 1, 1, 1, 1, 1]
        let alpha = Stats.krippendorffAlphaNominal(units: zip(a1, a2).map { [$0, $1] })
        #expect(report.judgmentAgreement.krippendorffAlpha == alpha)
        _ = r1
    }

    @Test(arguments: StoreKind.allCases)
    func sinceKeepsOnlyLaterRatings(_ kind: StoreKind) throws {
        // Given ratings made 10 s apart from the clock's start
        let clock = TestClock()
        let start = clock.now
        let (store, _, _) = try judgedStore(kind, clock: clock)

        // When only the last three rounds are asked for
        let report = try store.statsReport(since: start.addingTimeInterval(70), bootstrapRounds: 0)

        // Then 3 answers × 2 reviewers count
        #expect(report.correctRates.first?.total == 6)
        #expect(report.reviewers.map(\.judgments) == [3, 3])
    }

    @Test(arguments: StoreKind.allCases)
    func comparisonAgreementIgnoresWhichSideEachReviewerSaw(_ kind: StoreKind) throws {
        // Given 8 pairs of new vs base, each compared by two reviewers who both prefer the
        // new answer on pairs 0–5 and the base answer on pairs 6–7, whatever side it was on
        let store = try makeStore(kind)
        let samples = try seed(store, prompts: 8, policies: ["new", "base"])
        try store.enqueuePairs(newPolicy: "new", baselinePolicy: "base", overlap: 2)
        let reviewers = try [store.registerReviewer(name: "a"), store.registerReviewer(name: "b")]
        for reviewer in reviewers {
            while let item = try store.nextItem(for: reviewer) {
                guard case .compare(let a, _) = item.content else { Issue.record("expected a pair"); return }
                let index = samples.firstIndex { $0.contains { $0.id == a.id } }!
                let preferred = index < 6 ? samples[index][0].id : samples[index][1].id
                try store.recordComparison(
                    assignmentID: item.assignmentID, reviewer: reviewer, outcome: a.id == preferred ? .a : .b, secondsSpent: 9)
            }
        }

        // When the statistics are computed
        let report = try store.statsReport(bootstrapRounds: 200)

        // Then agreement is perfect and new beats base 12 to 4
        #expect(report.comparisonAgreement.cohen.first?.kappa == 1)
        #expect(report.comparisonAgreement.krippendorffAlpha == 1)
        #expect(report.winMatrix.cells[0][1] == WinMatrix.Cell(wins: 12, ties: 0, bothBad: 0, losses: 4))
        // Bradley-Terry on two versions has a closed form: p = 12/16 → R_new − R_base = 400·log10(3)
        let gap = try #require(report.ratings[0].rating) - (try #require(report.ratings[1].rating))
        #expect(abs(gap - 400 * log10(3.0)) < 1e-6)
    }

    @Test func reviewersArePseudonymousUnlessNamesAreAskedFor() throws {
        // Given two reviewers with ratings
        let (store, _, _) = try judgedStore(.inMemory, clock: TestClock())

        // When the report is built without the flag
        let report = try store.statsReport(bootstrapRounds: 0)

        // Then no name or display name appears anywhere, and the pseudonyms are the exports' ones
        let names = report.reviewers.map(\.name)
        #expect(names.count == 2 && names.allSatisfy { $0.hasPrefix("reviewer-") } && Set(names).count == 2)
        #expect(report.reviewers.map(\.displayName) == names)
        let json = String(decoding: try report.json(), as: UTF8.self)
        for text in [report.table, report.csv, json] {
            #expect(!text.contains("山田") && !text.contains("r1") && !text.contains("r2"))
        }
        #expect(!report.html.contains("山田"))
        let export = try store.labelledCompletions(split: .all)
        #expect(Set(export.map(\.reviewer)) == Set(names))
        // And with the flag the names are back
        let named = try store.statsReport(bootstrapRounds: 0, withReviewerNames: true)
        #expect(Set(named.reviewers.map(\.name)) == ["r1", "r2"] && named.table.contains("山田"))
    }

    @Test func reportsRenderJapaneseAndEscapeMarkup() throws {
        // Given a reviewer whose display name is Japanese with markup characters
        let store = try makeStore(.inMemory)
        try seed(store, prompts: 2, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let reviewer = try store.registerReviewer(name: "tanaka", displayName: "田中 <b>&</b>")
        while let item = try store.nextItem(for: reviewer) {
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 3)
        }
        let report = try store.statsReport(bootstrapRounds: 0, withReviewerNames: true)

        // Then the HTML is self-contained UTF-8 with the name escaped
        let html = report.html
        #expect(html.contains("<meta charset=\"utf-8\">") && html.contains("田中 &lt;b&gt;&amp;&lt;/b&gt;"))
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("@import"))  // nothing fetched
        #expect(html.contains("<svg") && !html.contains("<script"))
        // And the JSON keeps Japanese readable, and the table lines up by display width
        let json = String(decoding: try report.json(), as: UTF8.self)
        #expect(json.contains("田中") && !json.contains("\\u"))
        let table = TextTable(header: ["reviewer", "n"], rows: [["田中 ab", "1"], ["sato", "22"]]).rendered
        #expect(table.split(separator: "\n").map { DisplayWidth.of($0) } == [12, 12, 12, 12])
        #expect(report.csv.hasPrefix("section,key,metric,value\r\n"))
    }

    @Test func theTerminalTableShowsControlAndBidiCharactersInNamesAsEscapes() throws {
        let store = try makeStore(.inMemory)
        try seed(store, prompts: 1, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        // (such a name is refused today; a database written before names were checked may hold it)
        var reviewer = try store.registerReviewer(name: "tanaka")
        try writeRaw(store, "UPDATE reviewers SET display_name = '田中\u{202E}ab\u{1B}[2J' WHERE name = 'tanaka'")
        reviewer = try #require(try store.reviewer(named: "tanaka"))
        let item = try #require(try store.nextItem(for: reviewer))
        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 3)
        // Names appear only when asked for (pseudonyms otherwise), and then neutralised.
        let table = try store.statsReport(bootstrapRounds: 0, withReviewerNames: true).table
        #expect(table.contains("田中⟨U+202E⟩ab^[[2J (tanaka)"))
        #expect(!table.unicodeScalars.contains("\u{202E}") && !table.unicodeScalars.contains("\u{1B}"))
        #expect(!(try store.statsReport(bootstrapRounds: 0).table.contains("tanaka")))
    }
}
