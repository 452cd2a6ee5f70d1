import Foundation
import GRDB
import Support
import Testing
@testable import FeedbackStore

/// Names typed by people are validated when they are added, and shown neutralised wherever
/// they are printed; spreadsheet formulas never reach a CSV cell as formulas.
@Suite struct HostileNamesTests {
    static let escapes = ["\u{1B}[2J\u{1B}[31mevil", "a\u{7}b", "bob\u{202E}gpj", "x\u{0}y", "tab\there", "nl\nhere", "del\u{7F}"]

    @Test(arguments: StoreKind.allCases)
    func handlesAndDisplayNamesMustBePrintable(_ kind: StoreKind) throws {
        let store = try makeStore(kind)
        // Handles with escapes, controls, bidi overrides, spaces, or too long are refused
        for name in Self.escapes + ["", "two words", String(repeating: "a", count: 65)] {
            #expect(throws: FeedbackStoreError.self, "\(name.unicodeScalars.map(\.value))") {
                try store.registerReviewer(name: name)
            }
        }
        // and so are display names that are empty, blank, multi-line, hold escapes or are too long
        for display in Self.escapes + ["", "   ", "\u{3000}", String(repeating: "名", count: 101)] {
            #expect(throws: FeedbackStoreError.self, "\(display.unicodeScalars.map(\.value))") {
                try store.registerReviewer(name: "ok", displayName: display)
            }
        }
        #expect(try store.reviewers().isEmpty)
        // Ordinary names pass, Japanese ones too, and the limits themselves are allowed
        try store.registerReviewer(name: "dr-sato_2", displayName: "佐藤 花子")
        try store.registerReviewer(name: "田中", displayName: String(repeating: "名", count: 100))
        try store.registerReviewer(name: String(repeating: "a", count: 64))
        #expect(try store.reviewers().count == 3)
        // The refusal says what a valid name is, and its own text is shown neutralised
        do {
            try store.registerReviewer(name: "\u{1B}]0;pwned\u{7}")
            Issue.record("accepted a name with an escape sequence")
        } catch {
            let message = error.localizedDescription
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 }, "\(message)")
            #expect(message.contains("^[]0;pwned^G") && message.contains("printable"))
        }
    }

    @Test func namesAlreadyStoredAreNeutralisedInTheStatsTable() throws {
        // Given a database written before names were checked (raw SQL), with a rating
        let store = try FeedbackStore.inMemory()
        try seed(store, prompts: 1, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        try writeRaw(store, """
            INSERT INTO reviewers (name, display_name, created_at)
            VALUES ('\u{1B}[2Jevil', '\u{1B}[2Jevil', '2027-01-01'), ('bob', '\u{1B}]0;pwned\u{7}', '2027-01-01')
            """)
        let evil = try #require(try store.reviewers().first { $0.name.hasSuffix("evil") })
        let item = try #require(try store.nextItem(for: evil))
        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: evil, verdict: .correct, secondsSpent: 3)

        // When the terminal table names them, Then no control character reaches the output
        let table = try store.statsReport(bootstrapRounds: 0, withReviewerNames: true).table
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(table)")
        #expect(table.contains("^[[2Jevil") && table.contains("^[]0;pwned^G (bob)"))
    }

    @Test func csvCellsThatASpreadsheetWouldRunAreNeutralised() {
        // OWASP's rule: a cell starting with = + - @ tab or CR gets a leading apostrophe
        for formula in ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"] {
            let field = CSV.field(formula)
            let unquoted = field.hasPrefix("\"") ? String(field.dropFirst()) : field
            #expect(unquoted.hasPrefix("'"), "\(formula) → \(field)")
        }
        // and quoting still follows RFC 4180
        #expect(CSV.field("=A1,\"q\"") == "\"'=A1,\"\"q\"\"\"")
        // Ordinary text, numbers and Japanese are unchanged
        for text in ["頭痛", "a-b", "0.5", "v2", "reviewer-1f1b", ""] { #expect(CSV.field(text) == text) }
        // Numbers we formatted ourselves keep their sign
        #expect(CSV.number(-0.25) == "-0.25" && CSV.number(nil) == "")
    }

    @Test(arguments: StoreKind.allCases)
    func exportAndStatsCSVCarryNoFormulaAndCountsAreIntegers(_ kind: StoreKind) throws {
        // Given a prompt and answers written as spreadsheet formulas, rated
        let store = try makeStore(kind)
        let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "=HYPERLINK(\"http://evil\",\"x\")")]).prompt
        try store.addSample(promptID: prompt.id!, policy: "v1", text: "=cmd|' /C calc'!A0")
        try store.addSample(promptID: prompt.id!, policy: "v2", text: "@SUM(1+1)")
        try store.enqueueJudgments(overlap: 1)
        let r = try store.registerReviewer(name: "r1")
        while let item = try store.nextItem(for: r) {
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .correct, comment: "-1 dose", secondsSpent: 2)
        }

        // When both CSVs are written
        let path = try temporaryFolder().appendingPathComponent("ratings.csv").path
        try store.export(.csv, to: path, split: .all)
        let export = try String(contentsOfFile: path, encoding: .utf8)
        let stats = try store.statsReport(bootstrapRounds: 0).csv

        // Then no cell starts with a formula character
        for (name, csv) in [("export", export), ("stats", stats)] {
            for cell in csvCells(csv) where !cell.isEmpty {
                let numeric = Double(cell) != nil
                #expect(numeric || !["=", "+", "-", "@", "\t", "\r"].contains(cell.first!), "\(name): \(cell)")
            }
        }
        #expect(export.contains("'=cmd|' /C calc'!A0") && export.contains("'@SUM(1+1)") && export.contains("'-1 dose"))
        // And counts are whole numbers, rates stay decimals
        #expect(stats.contains("correct_rate,v1,correct,1\r\n") && stats.contains("correct_rate,v1,total,1\r\n"))
        #expect(stats.contains(",judgments,2\r\n") && !stats.contains(",judgments,2.0"))
        #expect(stats.contains("correct_rate,v1,rate,1.0\r\n"))
    }

    @Test(arguments: StoreKind.allCases)
    func statsShowPseudonymsInEveryFormatUnlessNamesAreAsked(_ kind: StoreKind) throws {
        let store = try makeStore(kind)
        try seed(store, prompts: 2, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let r = try store.registerReviewer(name: "yamada", displayName: "山田 太郎")
        while let item = try store.nextItem(for: r) {
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: r, verdict: .incorrect, secondsSpent: 2)
        }
        let hidden = try store.statsReport(bootstrapRounds: 0)
        let shown = try store.statsReport(bootstrapRounds: 0, withReviewerNames: true)
        let formats: [(StatsReport) throws -> String] = [
            { $0.table }, { $0.csv }, { $0.html }, { String(decoding: try $0.json(), as: UTF8.self) },
        ]
        for format in formats {
            let text = try format(hidden)
            #expect(!text.contains("yamada") && !text.contains("山田"), "\(text.prefix(200))")
            #expect(text.contains("reviewer-"))
            #expect(try format(shown).contains("yamada") || format(shown).contains("山田"))
        }
    }
}

/// The cells of an RFC 4180 CSV text (quoted fields unquoted).
func csvCells(_ text: String) -> [String] {
    var cells: [String] = [], cell = "", quoted = false, previous: Character = " "
    var iterator = text.makeIterator()
    while let c = iterator.next() {
        if quoted {
            if c == "\"" { quoted = false } else { cell.append(c) }
        } else if c == "\"" {
            if previous == "\"" { cell.append("\"") }
            quoted = true
        } else if c == "," || c == "\r\n" || c == "\n" {
            cells.append(cell)
            cell = ""
        } else {
            cell.append(c)
        }
        previous = c
    }
    if !cell.isEmpty { cells.append(cell) }
    return cells
}
