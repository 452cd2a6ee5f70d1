import Testing
@testable import Review

@Suite struct KeyParserTests {
    func keys(_ bytes: [UInt8]) -> [Key] {
        var parser = KeyParser()
        return parser.feed(bytes) + parser.flush()
    }

    @Test func arrowsPagingAndControlKeys() {
        #expect(keys(Array("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D".utf8)) == [.up, .down, .right, .left])
        #expect(keys(Array("\u{1B}OA\u{1B}OB".utf8)) == [.up, .down])                 // application mode
        #expect(keys(Array("\u{1B}[5~\u{1B}[6~\u{1B}[H\u{1B}[F\u{1B}[3~".utf8)) == [.pageUp, .pageDown, .home, .end, .delete])
        #expect(keys(Array("\u{1B}[1;5A".utf8)) == [.up])                            // Ctrl-Up
        #expect(keys([0x03, 0x04, 0x0D, 0x7F, 0x09, 0x15]) == [.interrupt, .endOfInput, .enter, .backspace, .tab, .control(0x75)])
        #expect(keys(Array("\u{1B}[200~".utf8)) == [])                             // unknown CSI ignored
    }

    @Test func loneEscapeIsOnlyKnownAfterAFlush() {
        var parser = KeyParser()
        #expect(parser.feed([0x1B]) == [])
        #expect(parser.hasPending)
        #expect(parser.flush() == [.escape])
        // ESC followed by a letter in one read is Escape then the letter.
        #expect(keys(Array("\u{1B}q".utf8)) == [.escape, .char("q")])
    }

    @Test func japaneseArrivesWholeEvenWhenSplitAcrossReads() {
        let bytes = Array("血圧が高い👍".utf8)
        var parser = KeyParser()
        var out: [Key] = []
        for byte in bytes { out += parser.feed([byte]) }  // worst case: one byte per read
        #expect(out == "血圧が高い👍".unicodeScalars.map { .char($0) })
        #expect(!parser.hasPending)
    }

    @Test func invalidUTF8IsDroppedWithoutLosingTheNextKey() {
        #expect(keys([0xFF, 0x61]) == [.char("a")])
        #expect(keys([0xE3, 0x81, 0x61]) == [.char("a")])  // truncated 3-byte sequence
    }
}
