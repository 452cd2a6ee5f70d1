import Testing
@testable import Support

@Suite struct DisplayWidthTests {
    @Test func asciiJapaneseAndEmojiWidths() {
        // Given text mixing English, kana, kanji, fullwidth forms and emoji,
        // then each wide character takes two columns (hand-counted).
        #expect("abc".displayWidth == 3)
        #expect("こんにちは".displayWidth == 10)
        #expect("血圧120/80".displayWidth == 4 + 6)
        #expect("ＡＢＣ！".displayWidth == 8)           // fullwidth forms
        #expect("ｱｲｳ".displayWidth == 3)               // halfwidth katakana stay narrow
        #expect("한국어".displayWidth == 6)
        #expect("ok 👍".displayWidth == 5)
        #expect("👨‍👩‍👧".displayWidth == 2)                // ZWJ family is one grapheme, two columns
        #expect("🇯🇵".displayWidth == 2)                 // flag: regional indicator pair
        #expect("❤️".displayWidth == 2)                 // VS16 asks for emoji presentation
        #expect("1️⃣".displayWidth == 2)                 // keycap
    }

    @Test func combiningAndZeroWidthCountZero() {
        #expect("e\u{301}".displayWidth == 1)           // é as e + combining acute
        #expect("か\u{3099}".displayWidth == 2)         // が as か + combining dakuten
        #expect("a\u{200B}b".displayWidth == 2)         // zero width space
        #expect("a\u{200D}b".displayWidth == 2)         // lone ZWJ
        #expect(DisplayWidth.of(Unicode.Scalar(0x0301)!) == 0)
        #expect(DisplayWidth.of(Unicode.Scalar(0x1B)!) == 0)
        // Hangul built from conjoining jamo: L (wide) + V + T (zero).
        #expect("\u{1100}\u{1161}\u{11A8}".displayWidth == 2)
    }

    @Test func wideRangeTableIsSortedAndDisjoint() {
        let ranges = DisplayWidth.wideRanges
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound < b.lowerBound) }
        // Binary search agrees with a linear scan at every range edge.
        for r in ranges {
            for v in [r.lowerBound - 1, r.lowerBound, r.upperBound, r.upperBound + 1] {
                #expect(DisplayWidth.isWide(v) == ranges.contains { $0.contains(v) }, "U+\(String(v, radix: 16))")
            }
        }
    }

    @Test func prefixByColumnsNeverSplitsAWideCharacter() {
        #expect("日本語".prefix(columns: 5) == "日本")
        #expect("日本語".prefix(columns: 1) == "")
        #expect("ab日本".padded(toColumns: 5) == "ab日 ")
        #expect("ab日本".padded(toColumns: 5).displayWidth == 5)
    }
}
