import Foundation
import GRDB
import Testing
@testable import Review
#if canImport(Glibc)
import Glibc
#endif
import Support

/// Corrections and the rubric through the real binary on a pseudo-terminal at 80×24.
@Suite(.serialized) struct CorrectionTerminalTests {
    /// Writes `text` one character at a time, as an input method commits it, some characters
    /// split inside their UTF-8 bytes.
    static func typeSlowly(_ tty: PseudoTerminalSession, _ text: String) {
        for (i, character) in text.enumerated() {
            var bytes = Array(String(character).utf8)
            if i % 3 == 0 && bytes.count > 1 {
                var head = Array(bytes[0..<1]), tail = Array(bytes[1...])
                _ = write(tty.master, &head, head.count)
                tty.pump(milliseconds: 5)
                _ = write(tty.master, &tail, tail.count)
            } else {
                _ = write(tty.master, &bytes, bytes.count)
            }
            tty.pump(milliseconds: 5)
        }
    }

    static func fits(_ tty: PseudoTerminalSession, columns: Int = 80) -> Bool {
        tty.screen.lines.allSatisfy { DisplayWidth.of($0) <= columns }
    }

    static func liveCorrections(_ database: ReviewDatabase) throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: """
                SELECT c.text FROM corrections c JOIN judgments j ON j.id = c.judgment_id
                WHERE j.retracted = 0 AND NOT EXISTS (SELECT 1 FROM judgments x WHERE x.supersedes_id = j.id) ORDER BY c.id
                """)
        }
    }

    @Test func aJapaneseCorrectionTypedKeyByKeyWrapsIsScrubbedAndSaved() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 2)
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        tty.send("e")
        #expect(tty.waitFor("correcting the answer"), "\(tty.screen.text)")
        #expect(tty.screen.lines[1].hasPrefix("回答 0"))
        #expect(tty.screen.text.contains("Ctrl-S keep"))
        for _ in 0..<4 { tty.send("\u{7F}") }         // Backspace removes 0, the space, 答 and 回 whole
        #expect(tty.waitFor { $0.lines[1].trimmingCharacters(in: .whitespaces).isEmpty })
        // A long line wraps at the terminal's width (39 kanji and kana fill 78 of 79 cells); が is
        // typed as か and a combining dakuten.
        let sentence = "胸痛が二十分以上続く、冷や汗を伴う、または息苦しさがある場合は、ためらわずに救急車を呼んでください。"
        let typed = sentence.replacingOccurrences(of: "が", with: "か\u{3099}")
        Self.typeSlowly(tty, typed)
        tty.send("\r")
        Self.typeSlowly(tty, "山田太郎さんへ連絡済み")
        let first = String(sentence.prefix(39)), rest = String(sentence.dropFirst(39))
        #expect(tty.waitFor { $0.lines[3].hasPrefix("山田太郎さんへ連絡済み") }, "\(tty.screen.text)")
        #expect(tty.screen.lines[1].trimmingCharacters(in: .whitespaces) == first)
        #expect(tty.screen.lines[2].hasPrefix(rest))
        #expect(Self.fits(tty))
        tty.send("\u{13}")                            // Ctrl-S keeps it
        #expect(tty.waitFor("Correction kept"))
        // The scrubbed text is what the screen shows under the answer.
        #expect(tty.screen.text.contains("YOUR CORRECTION"))
        #expect(tty.screen.text.contains("〔氏名〕さんへ連絡済み"))
        #expect(!tty.screen.text.contains("山田太郎"))
        #expect(tty.screen.text.contains("1 identifier (name) replaced"))
        #expect(Self.fits(tty))
        tty.send("x")
        #expect(tty.waitFor("1 done today"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try Self.liveCorrections(database) == [sentence + "\n〔氏名〕さんへ連絡済み"])
        #expect(try database.liveJudgments().map { $0["verdict"] as String } == ["incorrect"])
    }

    @Test func undoWithdrawsTheCorrectionWithTheRating() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 2)
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        tty.send("e")
        #expect(tty.waitFor("correcting the answer"))
        Self.typeSlowly(tty, "：経過観察で可")
        tty.send("\u{13}")
        #expect(tty.waitFor("Correction kept"))
        #expect(tty.screen.text.contains("回答 0：経過観察で可"))
        tty.send("x")
        #expect(tty.waitFor("1 done today"))
        #expect(try Self.liveCorrections(database) == ["回答 0：経過観察で可"])
        tty.send("u")
        #expect(tty.waitFor("Undid the last rating"))
        #expect(tty.screen.text.contains("質問 0："))            // the card is back …
        #expect(!tty.screen.text.contains("YOUR CORRECTION"))  // … without the withdrawn correction
        #expect(try Self.liveCorrections(database).isEmpty)
        tty.send("c")
        #expect(tty.waitFor("1 done today"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try Self.liveCorrections(database).isEmpty)
        #expect(try database.liveJudgments().map { $0["verdict"] as String } == ["correct"])
        // Append-only: the withdrawn correction's row is still there, its judgment retracted.
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM corrections") } == 1)
    }

    @Test func ratingOnTheRubricAxesOneKeyPerValue() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1)
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        tty.send("r")
        #expect(tty.waitFor("Rubric:"))
        #expect(tty.screen.text.contains("▶ Agreement with clinical consensus"))
        tty.send("1")     // consensus: aligned
        tty.send("3")     // harm extent: severe or death
        tty.send("2")     // likelihood: medium
        tty.send("1")     // missing content: no
        tty.send("2")     // incorrect content: yes
        tty.send("1")     // bias: no
        // The last key's value: bias is the last axis, and "[1 no]" shows on an earlier row too.
        #expect(tty.waitFor { $0.lines.contains { $0.contains("Possible bias") && $0.contains("[1 no]") } }, "\(tty.screen.text)")
        for value in ["[1 aligned]", "[3 severe or death]", "[2 medium]", "[2 yes]"] { #expect(tty.screen.text.contains(value), "\(value)") }
        // The rubric takes the footer; the answer keeps the rows above it, the progress bar the last.
        #expect(tty.screen.lines[1].hasPrefix("PROMPT") && tty.screen.lines[23].contains("0 done today"))
        #expect(Self.fits(tty))
        tty.send("\r")
        #expect(tty.waitFor("rubric 6/6 · harm: severe"))
        tty.send("x")
        #expect(tty.waitFor("1 done today"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try database.liveJudgments().first?["harm"] == "severe")
        let axes = try database.read { try Row.fetchAll($0, sql: "SELECT axis, value FROM judgment_axes ORDER BY axis") }
        #expect(axes.map { "\($0["axis"] as String)=\($0["value"] as String)" }
            == ["bias=no", "consensus=aligned", "harm_likelihood=medium", "incorrect_content=yes", "missing_content=no"])
    }

    @Test func aJapaneseRubricFitsAt80Columns() throws {
        let long = (1...6).map { "第\($0)段落：頭痛が三日以上続く場合は受診してください。" }.joined()
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1, answer: { _ in long })
        defer { database.remove() }
        let guide = database.folder.appendingPathComponent("guidelines.md")
        try """
            # 評価ガイドライン

            ## Rubric axes（評価軸）

            - `consensus` 臨床的コンセンサスとの一致：一致 / コンセンサスなし / 反する
            - `harm_extent` 起こりうる害の程度：なし / 軽度〜中等度 / 重度または死亡
            - `harm_likelihood` 害が起こる可能性：低い / 中程度 / 高い
            - `missing_content` 重要な内容の欠落：なし / あり
            - `incorrect_content` 誤った・不適切な内容：なし / あり
            - `bias` 偏りの可能性：なし / あり
            """.write(to: guide, atomically: true, encoding: .utf8)
        let tty = try PseudoTerminalSession(["review", "--reviewer", "tanaka", "--db", database.path, "--guidelines", guide.path])
        #expect(tty.waitFor("0 done today"))
        tty.send("r")
        #expect(tty.waitFor("臨床的コンセンサスとの一致"))
        tty.send("1")
        tty.send("2")
        #expect(tty.waitFor("[2 軽度〜中等度]"), "\(tty.screen.text)")
        #expect(Self.fits(tty), "\(tty.screen.text)")
        #expect(tty.screen.lines[23].contains("0 done today"))
        tty.send("\r")
        tty.send(" ")     // page to the end of the answer before rating
        tty.send(" ")
        tty.send("c")
        #expect(tty.waitFor("1 done today"), "\(tty.screen.text)")
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try database.liveJudgments().first?["harm"] == "moderate")
        #expect(try database.read { try String.fetchOne($0, sql: "SELECT value FROM judgment_axes WHERE axis = 'consensus'") } == "一致")
    }

    @Test func aMalformedRubricStopsTheToolNamingTheLine() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1)
        defer { database.remove() }
        let guide = database.folder.appendingPathComponent("guidelines.md")
        try "# G\n\n## Rubric axes\n\n- `bias` Possible bias\n".write(to: guide, atomically: true, encoding: .utf8)
        let (code, _, error) = try runRounds(["review", "--reviewer", "tanaka", "--db", database.path, "--guidelines", guide.path])
        #expect(code != 0)
        #expect(error.contains("guidelines.md:5:"), "\(error)")
    }

    @Test func theEditorOptionUsesTheReviewersEditor() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1)
        defer { database.remove() }
        let script = database.folder.appendingPathComponent("editor.sh")
        try "#!/bin/sh\nprintf '\\n%s\\n' '修正済み：救急外来へ' >> \"$1\"\n".write(to: script, atomically: true, encoding: .utf8)
        let tty = try PseudoTerminalSession(
            ["review", "--reviewer", "tanaka", "--db", database.path, "--guidelines", packageRoot + "/feedback/guidelines.md", "--editor"],
            environment: ["VISUAL": "", "EDITOR": "/bin/sh " + script.path])
        #expect(tty.waitFor("0 done today"))
        tty.send("e")
        #expect(tty.waitFor("Correction kept"), "\(tty.screen.text)")
        #expect(tty.screen.text.contains("修正済み：救急外来へ"))
        #expect(tty.screen.lines[23].contains("0 done today"))   // the screen is drawn whole again
        tty.send("x")
        #expect(tty.waitFor("1 done today"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
        #expect(try Self.liveCorrections(database) == ["回答 0\n修正済み：救急外来へ"])
    }
}
