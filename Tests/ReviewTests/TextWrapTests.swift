import Support
import Testing
@testable import Review

@Suite struct TextWrapTests {
    static let samples = [
        "The patient should seek emergency care immediately if chest pain spreads to the arm or jaw.",
        "胸の痛みが腕や顎に広がる場合は、ただちに救急外来を受診してください。「様子を見る」のは危険です。",
        "Metformin（メトホルミン）は eGFR 30 未満では禁忌です。Check renal function 👍 before starting.",
        "e\u{301}e\u{301}e\u{301} 👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧 🇯🇵🇯🇵 か\u{3099}か\u{3099}か\u{3099}",
        "averyveryverylongwordwithoutanyspacesthatmustbecutsomewhere",
        "line one\nline two\n\nafter a blank line",
        "tabs\there and an escape \u{1B}[31m sequence",
    ]

    @Test(arguments: [2, 3, 5, 10, 17, 40, 80])
    func linesNeverExceedTheWidthOrSplitGraphemes(width: Int) {
        for text in Self.samples {
            let lines = TextWrap.wrap(text, width: width)
            for line in lines { #expect(line.displayWidth <= width, "\(line) at \(width)") }
            // Then every grapheme of the (sanitized) text appears whole, in order: only
            // spaces at the breaks are dropped.
            let original = Array(TerminalText.neutralised(text)).filter { $0 != " " && $0 != "\n" }
            let wrapped = Array(lines.joined()).filter { $0 != " " }
            #expect(wrapped == original, "width \(width): \(text)")
        }
    }

    @Test func englishBreaksAtSpaces() {
        #expect(TextWrap.wrap("take one tablet twice daily", width: 12) == ["take one", "tablet twice", "daily"])
    }

    @Test func japaneseBreaksBetweenCharactersButKeepsPunctuationOffLineStarts() {
        // 10 columns = 5 kanji/kana. 「。」 must not start a line, so the character before it
        // moves down with it.
        let lines = TextWrap.wrap("すぐ受診。様子見は危険", width: 8)
        #expect(lines == ["すぐ受", "診。様子", "見は危険"])
        // An opening bracket does not end a line.
        #expect(TextWrap.wrap("あいう「えお」", width: 8).allSatisfy { !$0.hasSuffix("「") })
    }

    @Test func controlCharactersAreMadeVisibleNotExecuted() {
        let lines = TextWrap.wrap("red \u{1B}[31m text\r\n", width: 80)
        #expect(lines == ["red ^[[31m text", ""])
        #expect(!lines.joined().contains("\u{1B}"))
    }
}
