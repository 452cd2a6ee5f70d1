import Foundation
import GRDB
import Testing
@testable import Review
#if canImport(Glibc)
import Glibc
import Support
#endif

/// The real `rounds review` binary on a pseudo-terminal, driven as a physician would:
/// keys typed, the screen read back, then the database checked.
@Suite(.serialized) struct ReviewTerminalTests {
    static func open(_ database: ReviewDatabase, reviewer: String = "tanaka", rows: Int = 24, columns: Int = 80) throws -> PseudoTerminalSession {
        let session = try PseudoTerminalSession(
            ["review", "--reviewer", reviewer, "--db", database.path, "--guidelines", packageRoot + "/feedback/guidelines.md"],
            rows: rows, columns: columns)
        #expect(session.waitFor("0 done today"), "first frame: \(session.screen.text)")
        return session
    }

    @Test func judgeTwoItemsThenUndo() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 3)
        defer { database.remove() }
        let tty = try Self.open(database)
        #expect(tty.screen.alternate)
        #expect(tty.screen.lines[1] .hasPrefix("PROMPT"))
        #expect(tty.screen.text.contains("質問 0：頭痛が三日続いています。"))

        tty.send("c")
        #expect(tty.waitFor("1 done today · 2 remaining"))
        #expect(tty.screen.text.contains("Saved: correct."))
        #expect(tty.screen.text.contains("質問 1："))
        tty.send("x")
        #expect(tty.waitFor("2 done today · 1 remaining"))
        tty.send("u")
        #expect(tty.waitFor("Undid the last rating"))
        #expect(tty.screen.text.contains("1 done today"))
        #expect(tty.screen.text.contains("質問 1："))  // the undone card is back
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(!tty.screen.alternate)

        let live = try database.liveJudgments()
        #expect(live.map { $0["verdict"] as String } == ["correct"])
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM judgments WHERE retracted = 1") } == 1)
    }

    @Test func commentWithJapaneseInputAndGraphemeBackspace() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 2)
        defer { database.remove() }
        let tty = try Self.open(database)
        tty.send("m")
        #expect(tty.waitFor("Comment: "))
        // An input method commits whole words; send them split inside UTF-8 sequences.
        let bytes = Array("用量が誤りだ".utf8)
        for chunk in stride(from: 0, to: bytes.count, by: 4) {
            var part = Array(bytes[chunk..<min(chunk + 4, bytes.count)])
            _ = write(tty.master, &part, part.count)
            tty.pump(milliseconds: 10)
        }
        #expect(tty.waitFor("Comment: 用量が誤りだ"))
        tty.send("\u{7F}")              // Backspace removes だ (three bytes) whole
        tty.send("か\u{3099}ある\r")     // が typed as か + combining dakuten
        #expect(tty.waitFor("comment: 用量が誤りがある"))
        tty.send("h3c")
        #expect(tty.waitFor("1 done today"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        let row = try #require(try database.liveJudgments().first)
        #expect((row["comment"] as String?) == "用量が誤りがある")
        #expect(row["harm"] == "severe")
    }

    @Test func resizeRedrawsToTheNewSize() throws {
        let long = (1...30).map { "第\($0)段落：胸痛が左腕に広がる場合は救急車を呼んでください。" }.joined(separator: " ")
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1, answer: { _ in long })
        defer { database.remove() }
        let tty = try Self.open(database)
        for (rows, columns) in [(15, 50), (40, 120), (24, 80)] {
            tty.resize(rows: rows, columns: columns)
            // Then a whole new frame arrives: title bar ends in "? help" at the new width,
            // the progress bar is on the new last row, the scroll line above the details
            // and the key legend (two rows at 50 columns).
            let legendRows = columns < 62 ? 2 : 1
            let redrawn = tty.waitFor { screen in
                screen.lines[0].hasSuffix("? help ") && screen.lines[rows - 1].contains("0 done today")
                    && screen.lines[rows - 3 - legendRows].hasPrefix("──")
            }
            #expect(redrawn, "\(rows)×\(columns):\n\(tty.screen.lines.map { "|" + $0 + "|" }.joined(separator: "\n"))")
            // Every wrapped body line fits (a line cut by the terminal would wrap and
            // push the footer off its row, failing the check above too).
            for line in tty.screen.lines { #expect(DisplayWidth.of(line) <= columns) }
            #expect(tty.screen.text.contains("第1段落：胸痛が左腕"))
        }
        tty.send("\u{1B}[6~")  // PgDn scrolls
        #expect(tty.waitFor("· ↑ PgUp"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
    }

    @Test func ctrlCRestoresTheTerminalAndKeepsRatings() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 3)
        defer { database.remove() }
        let tty = try Self.open(database)
        // Hold the terminal open from the test side too, to read its settings afterwards.
        let slave = Glibc.open(tty.slavePath, O_RDWR | O_NOCTTY)
        defer { close(slave) }
        var before = termios()
        tcgetattr(slave, &before)
        #expect(before.c_lflag & tcflag_t(ECHO | ICANON) == 0)  // raw while running

        tty.send("c")
        #expect(tty.waitFor("1 done today"))
        tty.send("m用量")                 // a comment typed but not rated is all that is lost
        #expect(tty.waitFor("Comment: 用量"))
        tty.send("\u{03}")
        #expect(tty.waitForExit() == 130)
        #expect(!tty.screen.alternate)
        #expect(tty.screen.cursorVisible)
        var after = termios()
        tcgetattr(slave, &after)
        #expect(after.c_lflag & tcflag_t(ECHO | ICANON) == tcflag_t(ECHO | ICANON))
        #expect(try database.liveJudgments().count == 1)
    }

    @Test func droppedConnectionLosesNothingRated() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 5)
        defer { database.remove() }
        let tty = try Self.open(database)
        tty.send("c")
        #expect(tty.waitFor("1 done today"))
        tty.send("x")
        #expect(tty.waitFor("2 done today"))
        tty.hangUp()  // sshd closes the master: the kernel sends SIGHUP
        #expect(tty.waitForExit() == 128 + SIGHUP)
        #expect(try database.liveJudgments().map { $0["verdict"] as String } == ["correct", "incorrect"])
        // The third card, on screen when the line dropped, went back to the queue.
        #expect(try database.read { db in try String.fetchAll(db, sql: "SELECT state FROM review_assignments ORDER BY id") }
            == ["done", "done", "released"])
    }

    @Test func unregisteredReviewerGetsTheRegistrationCommand() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1)
        defer { database.remove() }
        let (code, _, error) = try runRounds(["review", "--reviewer", "sato", "--db", database.path])
        #expect(code != 0)
        #expect(error.contains("rounds reviewer add sato"))
        let (missing, _, missingError) = try runRounds(["review", "--db", database.folder.path + "/none.sqlite"])
        #expect(missing != 0)
        #expect(missingError.contains("no feedback database at \(database.folder.path)/none.sqlite"), "\(missingError)")
    }

    @Test func helpNamesTheOptionsAndKeysButNotTheScriptedMode() throws {
        let (code, help, _) = try runRounds(["review", "--help"])
        #expect(code == 0)
        for text in ["--reviewer", "--db", "--guidelines", "rounds reviewer add NAME", "c or 1 correct", "u undoes your last rating"] {
            #expect(help.contains(text), "\(text)")
        }
        #expect(!help.contains("--batch"))
    }

    @Test func defaultReviewerIsTheLoginName() throws {
        let login = String(cString: getpwuid(getuid())!.pointee.pw_name)
        let database = try ReviewDatabase(reviewers: [login], judgments: 2)
        defer { database.remove() }
        let (code, output, error) = try runRounds(["review", "--db", database.path, "--batch"], input: "cx")
        #expect(code == 0, "\(error)")
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("rated ") }.count == 2)
        #expect(try database.liveJudgments().map { $0["reviewer"] as String } == [login, login])
    }
}
