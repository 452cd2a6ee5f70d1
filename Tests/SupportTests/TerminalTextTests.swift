import Testing
@testable import Support

@Suite struct TerminalTextTests {
    @Test func bidirectionalControlsBecomeVisibleEscapes() {
        // Every override, embedding, isolate and mark that can reorder drawn text.
        let bidi: [UInt32] = [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C]
        for value in bidi {
            let scalar = Unicode.Scalar(value)!
            let shown = TerminalText.neutralised("a\(Character(scalar))b")
            #expect(shown == "a⟨U+\(String(value, radix: 16, uppercase: true).leftPadded(4))⟩b")
            #expect(!shown.unicodeScalars.contains(scalar))
        }
    }

    @Test func controlsShowInCaretNotationAndInvisibleFormatCharactersAsEscapes() {
        #expect(TerminalText.neutralised("red \u{1B}[31m\r\nnext\tcol\u{7F}") == "red ^[[31m\nnext    col^?")
        #expect(TerminalText.neutralised("a\u{85}b\u{9B}c") == "a⟨U+0085⟩b⟨U+009B⟩c")  // C1, incl. the one-byte CSI
        #expect(TerminalText.neutralised("zero\u{200B}width\u{FEFF}\u{2028}\u{00AD}") == "zero⟨U+200B⟩width⟨U+FEFF⟩⟨U+2028⟩⟨U+00AD⟩")
        // One line: newlines show too.
        #expect(TerminalText.neutralised("田中\n太郎\t", multiline: false) == "田中^J太郎 ")
    }

    @Test func ordinaryTextAndEmojiSequencesAreUnchanged() {
        for text in ["患者は胸痛を訴えています。", "Take 500 mg twice daily.", "👨‍👩‍👧 🏴󠁧󠁢󠁥󠁮󠁧󠁿 ❤️ 1️⃣", "か\u{3099}", "नमस्ते", "ای\u{200C}ن", "Ω≈ç"] {
            #expect(TerminalText.neutralised(text) == text, "\(text)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
