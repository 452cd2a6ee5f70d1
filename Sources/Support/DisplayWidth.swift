// Terminal column width of text: what a monospace terminal actually draws.
//
// Japanese answers are the point of this tool, and a Japanese character takes two
// columns on every terminal a clinician is likely to use (xterm, iTerm2, GNOME Terminal,
// Windows Terminal over ssh). Counting Characters or bytes would overflow every line.
// The ranges follow Unicode Standard Annex #11 (East Asian Width: W and F classes) and
// the emoji presentation rules of UTS #51; ambiguous-width characters (A) are counted
// as one column, as terminals do outside CJK legacy locales.

/// Column widths of scalars, graphemes and strings.
public enum DisplayWidth {
    /// East Asian Wide (W) and Fullwidth (F) ranges that occur in clinical text:
    /// Hangul Jamo, CJK radicals and punctuation, Hiragana, Katakana, CJK ideographs,
    /// Hangul syllables, compatibility ideographs, vertical/small forms, fullwidth ASCII
    /// and signs, and the supplementary ideograph planes.
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,    // Hangul Jamo initial consonants
        0x231A...0x231B,    // watch, hourglass (emoji presentation)
        0x2329...0x232A,    // angle brackets
        0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
        0x25FD...0x25FE,
        0x2E80...0x303E,    // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
        0x3041...0x33FF,    // Hiragana, Katakana, Bopomofo, Hangul compatibility, Kanbun, CJK compatibility
        0x3400...0x4DBF,    // CJK Extension A
        0x4E00...0x9FFF,    // CJK Unified Ideographs
        0xA000...0xA4CF,    // Yi
        0xA960...0xA97F,    // Hangul Jamo Extended-A
        0xAC00...0xD7A3,    // Hangul syllables
        0xF900...0xFAFF,    // CJK compatibility ideographs
        0xFE10...0xFE19,    // vertical forms
        0xFE30...0xFE6F,    // CJK compatibility forms, small form variants
        0xFF00...0xFF60,    // fullwidth ASCII variants
        0xFFE0...0xFFE6,    // fullwidth signs (￥ etc.)
        0x1F004...0x1F004, 0x1F0CF...0x1F0CF, 0x1F18E...0x1F18E, 0x1F191...0x1F19A,
        0x1F200...0x1F251,  // enclosed ideographic supplement
        0x1F300...0x1F64F,  // pictographs, emoticons
        0x1F680...0x1F6FF,  // transport and map
        0x1F7E0...0x1F7EB,
        0x1F900...0x1F9FF,  // supplemental symbols and pictographs
        0x1FA70...0x1FAFF,  // symbols and pictographs extended-A
        0x20000...0x2FFFD,  // CJK Extensions B–F
        0x30000...0x3FFFD,  // CJK Extension G and later
    ]

    /// Width of one scalar on its own: 0 (combining, format, control), 1 or 2.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x7F { return 1 }
        // Kana and unified ideographs, the bulk of Japanese text: wide, no marks among them.
        if (0x3041...0x3096).contains(v) || (0x30A1...0x30FA).contains(v) || (0x4E00...0x9FFF).contains(v) { return 2 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        // Hangul medial vowels and final consonants join the initial into one cell pair.
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        if v == 0x200B { return 0 }  // zero width space (category Cf on some versions, Zs on none)
        if isWide(v) { return 2 }
        // Other emoji that default to emoji presentation (UTS #51), e.g. ✅ ❌ ⚠ with FE0F.
        if v >= 0x2600 && scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// Width of one grapheme cluster: a base with its combining marks takes the base's
    /// width; emoji sequences (ZWJ families, flags, keycaps, VS16) take two columns.
    public static func of(_ character: Character) -> Int {
        if let ascii = character.asciiValue { return ascii >= 0x20 && ascii != 0x7F ? 1 : 0 }  // fast path
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.count > 1 {
            // U+FE0F asks for emoji presentation; a regional-indicator pair is a flag.
            if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
            if (0x1F1E6...0x1F1FF).contains(first.value) { return 2 }
        }
        var width = of(first)
        if width == 0 {
            // A cluster led by a zero-width scalar (e.g. a lone combining mark after a
            // control) still draws whatever visible scalar it holds.
            width = scalars.dropFirst().map { of($0) }.max() ?? 0
        }
        return min(width, 2)
    }

    /// Width of a string in terminal columns.
    public static func of<S: StringProtocol>(_ text: S) -> Int {
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        // Binary search over the sorted, disjoint ranges.
        var low = 0, high = wideRanges.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let range = wideRanges[mid]
            if v < range.lowerBound { high = mid - 1 } else if v > range.upperBound { low = mid + 1 } else { return true }
        }
        return false
    }
}

extension String {
    /// Width of the string in terminal columns (see `DisplayWidth`).
    public var displayWidth: Int { DisplayWidth.of(self) }

    /// The longest prefix that fits in `columns`, never splitting a grapheme.
    public func prefix(columns: Int) -> Substring {
        var used = 0
        var end = startIndex
        for index in indices {
            let w = DisplayWidth.of(self[index])
            if used + w > columns { break }
            used += w
            end = self.index(after: index)
        }
        return self[startIndex..<end]
    }

    /// The string cut to `columns` and padded with spaces to exactly that width.
    public func padded(toColumns columns: Int) -> String {
        let cut = prefix(columns: columns)
        return String(cut) + String(repeating: " ", count: max(0, columns - DisplayWidth.of(cut)))
    }
}
