import Foundation
import Testing
@testable import Review
import Support

/// What the real binary draws on a pseudo-terminal: narrow windows, long names, hostile
/// characters in answers, the guidelines screen.
@Suite(.serialized) struct ReviewScreenTests {
    @Test func atSixtyColumnsTheKeyLegendWrapsAndKeepsQuit() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 2, pairs: 1)
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database, columns: 60)
        let lines = tty.screen.lines.map(\.trailingSpacesRemoved)
        // The legend takes two rows above the progress bar; nothing is cut.
        #expect(lines[21] == "c correct  x incorrect  s skip  u undo  e edit  r rubric", "\(tty.screen.text)")
        #expect(lines[22] == "g tags  m note  q quit")
        #expect(lines[23].contains("0 done today"))
        #expect(lines[19].hasPrefix("──"))
        for line in tty.screen.lines { #expect(DisplayWidth.of(line) <= 60) }
        // And the key on the second row works.
        tty.send("q")
        #expect(tty.waitForExit() == 0)
    }

    @Test func aLongDisplayNameIsCutNotTheItemNumber() throws {
        let name = "田中 太郎 (Department of Emergency and Critical Care Medicine, University Hospital)"
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1, displayNames: ["tanaka": name])
        defer { database.remove() }
        for columns in [80, 60] {
            let tty = try ReviewTerminalTests.open(database, columns: columns)
            let title = tty.screen.lines[0]
            #expect(title.contains("item 1 · "), "\(columns): \(title)")
            #expect(title.contains("田中 太郎 (Dep"), "\(columns): \(title)")
            #expect(title.contains("…"), "\(columns): \(title)")
            #expect(columns < 80 || title.contains(" · item 1 · is this answer correct? "), "\(title)")
            #expect(title.hasSuffix(" ? help "), "\(title)")
            #expect(DisplayWidth.of(title) == columns)
            tty.send("q")
            #expect(tty.waitForExit() == 0)
        }
    }

    @Test func bidirectionalOverridesAndControlsInAnswersAreShownAsEscapes() throws {
        // An answer that would draw "exe.png" as "gnp.exe", isolate a span, and an escape sequence.
        let hostile = "File: \u{202E}gnp.exe\u{202C} dose \u{2066}10 mg\u{2069}\u{200B} \u{1B}[2J end"
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1, answer: { _ in hostile },
                                          displayNames: ["tanaka": "Dr \u{202E}Tanaka"])
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        #expect(tty.screen.text.contains("  File: ⟨U+202E⟩gnp.exe⟨U+202C⟩ dose ⟨U+2066⟩10 mg⟨U+2069⟩⟨U+200B⟩ ^[[2J end"),
                "\(tty.screen.text)")
        #expect(tty.screen.lines[0].contains("Dr ⟨U+202E⟩Tanaka"))
        let raw = tty.screen.text.unicodeScalars
        for scalar in hostile.unicodeScalars where TerminalText.needsWork(scalar, multiline: true) {
            #expect(!raw.contains(scalar), "U+\(String(scalar.value, radix: 16)) reached the screen")
        }
        tty.send("q")
        #expect(tty.waitForExit() == 0)
    }

    @Test func guidelinesListItemsWrapAsOneHangingItem() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 1)
        defer { database.remove() }
        let tty = try ReviewTerminalTests.open(database)
        tty.send("?")
        #expect(tty.waitFor(" Rating guidelines"))
        tty.send("\u{1B}[B\u{1B}[B\u{1B}[B\u{1B}[B\u{1B}[B")  // five lines down: the first list
        #expect(tty.waitFor("lines 6–"))
        let lines = tty.screen.lines.map(\.trailingSpacesRemoved)
        // In feedback/guidelines.md each of these items spans two source lines.
        let item = [" • Correct (c or 1): you would let the answer go to the asker without changes",
                    "   that matter clinically. Small style problems do not make an answer",
                    "   incorrect.",
                    " • Incorrect (x or 2): any clinically important error, omission or unsafe",
                    "   advice; or an answer that does not address the question asked."]
        let start = try #require(lines.firstIndex(of: item[0]), "\(tty.screen.text)")
        #expect(Array(lines[start..<(start + item.count)]) == item)
        tty.send("q")
        #expect(tty.waitFor("0 done today"))
        tty.send("q")
        #expect(tty.waitForExit() == 0)
    }
}
