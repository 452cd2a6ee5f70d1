// Word wrapping by terminal columns, for English and Japanese alike.
//
// English breaks after spaces; Japanese has no spaces and may break between any two
// wide characters, except that closing punctuation and small kana never start a line
// and opening brackets never end one (the basic kinsoku rules of JIS X 4051). A word
// longer than the line is cut between graphemes, never inside one.

import Support

public enum TextWrap {
    /// Characters that must not begin a line (closing brackets, stops, small kana, long vowel).
    static let noStart: Set<Character> = Set("、。，．・：；？！゛゜ヽヾゝゞ々ー）］｝〕〉》」』】〙〗〟’”｠»ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]},.;:!?%")
    /// Characters that must not end a line (opening brackets).
    static let noEnd: Set<Character> = Set("（［｛〔〈《「『【〘〖〝‘“｟«([{")

    /// Wraps `text` into lines of at most `width` columns (at least 2, so a wide
    /// character always fits). Newlines in the text start new lines; blank lines are kept.
    /// The text is neutralised first (`TerminalText`): controls, bidirectional overrides
    /// and invisible format characters show as visible escapes.
    public static func wrap(_ text: String, width: Int) -> [String] {
        let width = max(width, 2)
        var lines: [String] = []
        let safe = TerminalText.neutralised(text)
        // Split at newline bytes: a newline is always a grapheme of its own (and after
        // neutralising never part of CR LF), so the pieces start and end on graphemes.
        for piece in safe.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            wrapParagraph(Substring(piece), width: width, into: &lines)
        }
        return lines
    }

    /// The scalars of `noStart` and `noEnd` (each character is one scalar), sorted: they
    /// are looked up for every character, so searched as numbers, not hashed as Characters.
    static let noStartScalars = noStart.flatMap { $0.unicodeScalars.map(\.value) }.sorted()
    static let noEndScalars = noEnd.flatMap { $0.unicodeScalars.map(\.value) }.sorted()

    static func contains(_ sorted: [UInt32], _ value: UInt32) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value
    }

    /// One grapheme of a paragraph: where it starts (UTF-8 offset), its width and classes.
    struct Cell {
        var offset: Int32
        var width: UInt8
        var flags: UInt8  // Cell.space, .noStart, .noEnd
        static let space: UInt8 = 1, noStart: UInt8 = 2, noEnd: UInt8 = 4
        var isSpace: Bool { flags & Cell.space != 0 }
    }

    /// The cells of `paragraph`, plus one past the end (its offset is the paragraph's length).
    static func cells(_ paragraph: Substring) -> [Cell] {
        var cells: [Cell] = []
        cells.reserveCapacity(paragraph.utf8.count)
        let scalars = paragraph.unicodeScalars
        var i = scalars.startIndex
        var offset: Int32 = 0
        while i < scalars.endIndex {
            let scalar = scalars[i]
            let next = scalars.index(after: i)
            let first: UInt32, width: Int, length: Int
            if isAlone(scalar.value) && (next == scalars.endIndex || isAlone(scalars[next].value)) {
                // Fast path: a scalar that forms a grapheme on its own (most text).
                (first, width, length) = (scalar.value, DisplayWidth.of(scalar), UTF8.width(scalar))
                i = next
            } else {
                let character = paragraph[i]  // i is on a grapheme boundary: the last cell ended there
                (first, width, length) = (scalar.value, DisplayWidth.of(character), character.utf8.count)
                i = paragraph.utf8.index(i, offsetBy: length)
            }
            var flags: UInt8 = 0
            if first == 0x20 && length == 1 {
                flags = Cell.space
            } else if first > 0x20 {
                if contains(noStartScalars, first) { flags |= Cell.noStart }
                if contains(noEndScalars, first) { flags |= Cell.noEnd }
            }
            cells.append(Cell(offset: offset, width: UInt8(width), flags: flags))
            offset += Int32(length)
        }
        cells.append(Cell(offset: offset, width: 0, flags: 0))
        return cells
    }

    /// Scalars that never join a neighbour into one grapheme (UAX #29: neither Extend,
    /// SpacingMark, ZWJ, Prepend, Hangul nor regional indicators, and no emoji): printable
    /// ASCII and Latin, CJK punctuation, kana (not the combining voicing marks U+3099/U+309A)
    /// and unified ideographs. Two of them side by side are two graphemes.
    static func isAlone(_ v: UInt32) -> Bool {
        (0x20...0x7E).contains(v) || (0xA0...0x2FF).contains(v) || (0x3001...0x3029).contains(v)
            || (0x3030...0x3096).contains(v) || (0x309B...0x30FF).contains(v) || (0x4E00...0x9FFF).contains(v)
            || (0xFF01...0xFF60).contains(v)
    }

    /// Whether a line may break between cells `before` and `after`.
    static func canBreak(between before: Cell, and after: Cell) -> Bool {
        if after.isSpace { return false }  // spaces stay with the word before them
        if before.isSpace { return true }
        if before.width < 2 && after.width < 2 { return false }  // inside a word
        return after.flags & Cell.noStart == 0 && before.flags & Cell.noEnd == 0
    }

    static func wrapParagraph(_ paragraph: Substring, width: Int, into lines: inout [String]) {
        if paragraph.isEmpty { lines.append(""); return }
        let cells = cells(paragraph)  // once per character, not per attempt
        let count = cells.count - 1
        let utf8 = paragraph.utf8
        func text(_ from: Int, _ to: Int) -> String {
            let start = utf8.index(utf8.startIndex, offsetBy: Int(cells[from].offset))
            let end = utf8.index(start, offsetBy: Int(cells[to].offset - cells[from].offset))
            return String(paragraph[start..<end])
        }
        var start = 0  // first character of the current line
        while start < count {
            // Greedy: take characters while they fit, remembering the last break opportunity.
            var used = 0
            var end = start
            var lastBreak: Int? = nil
            while end < count {
                if end > start && canBreak(between: cells[end - 1], and: cells[end]) { lastBreak = end }
                let w = Int(cells[end].width)
                if !cells[end].isSpace && used + w > width { break }
                used += w
                end += 1
            }
            if end < count, let b = lastBreak, b > start {
                end = b
            } else if end == start {
                end = start + 1  // cannot happen with width >= 2; guarantees progress
            }
            // Trailing spaces are not drawn (they may overflow the width).
            var last = end
            while last > start && cells[last - 1].isSpace { last -= 1 }
            lines.append(text(start, last))
            start = end
            // Leading spaces of a continuation line are the break itself.
            while start < count && cells[start].isSpace { start += 1 }
        }
    }
}
