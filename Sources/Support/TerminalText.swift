// Text from outside the program (model answers, prompts, reviewer names, comments) made
// safe to print on a terminal: nothing in it may move the cursor, change colours or
// reorder what is drawn.
//
// C0 controls become caret notation (ESC is `^[`, so an escape sequence shows as text);
// C1 controls, bidirectional overrides, embeddings and isolates (U+202A–U+202E,
// U+2066–U+2069, which would make the terminal draw text in an order other than the one
// stored, the "Trojan Source" trick), the marks U+061C/U+200E/U+200F, line and paragraph
// separators and other invisible format characters become visible escapes such as
// `⟨U+202E⟩`. Joiners (U+200C, U+200D) and emoji tag characters are kept: they only
// shape the grapheme they belong to, and emoji sequences need them.

public enum TerminalText {
    /// `text` safe to print. With `multiline`, newlines stay (CR LF and lone CR are
    /// dropped to the newline); without it, they show as `^J` too, for one-line places
    /// such as a name in a title bar. Tabs become four spaces (one in a single line).
    public static func neutralised(_ text: String, multiline: Bool = true) -> String {
        // Most text needs nothing: scan the scalars once and return it unchanged.
        guard text.unicodeScalars.contains(where: { needsWork($0, multiline: multiline) }) else { return text }
        var out = String.UnicodeScalarView()
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard needsWork(scalar, multiline: multiline) else { out.append(scalar); continue }
            switch scalar.value {
            case 0x09: out.append(contentsOf: String(repeating: " ", count: multiline ? 4 : 1).unicodeScalars)
            case 0x0D where multiline: break
            case 0x7F: out.append(contentsOf: "^?".unicodeScalars)
            case 0x00..<0x20:
                out.append("^")
                out.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
            default: out.append(contentsOf: escape(scalar).unicodeScalars)
            }
        }
        return String(out)
    }

    /// The visible stand-in for an invisible or reordering scalar: `⟨U+202E⟩`.
    public static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "⟨U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "⟩"
    }

    /// Whether `scalar` is shown as something else.
    public static func needsWork(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        let v = scalar.value
        if v < 0x20 { return !(multiline && v == 0x0A) }
        if v < 0x7F { return false }
        if v < 0xA0 { return true }  // DEL and C1 controls
        if v < 0x0600 { return v == 0xAD }  // soft hyphen, the only format character below Arabic
        return isInvisibleFormat(scalar)
    }

    /// Format (Cf), line and paragraph separator scalars, except the joiners and emoji tags.
    static func isInvisibleFormat(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v == 0x200C || v == 0x200D || (0xE0020...0xE007F).contains(v) { return false }
        if (0x2070..<0xFEFF).contains(v) { return false }  // no format characters there (CJK text: fast)
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
