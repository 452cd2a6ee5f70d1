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
        for paragraph in TerminalText.neutralised(text).split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(contentsOf: wrapParagraph(Array(paragraph), width: width))
        }
        return lines
    }

    /// Whether a line may break between `before` and `after` (of the given widths).
    static func canBreak(between before: Character, _ beforeWidth: Int, and after: Character, _ afterWidth: Int) -> Bool {
        if after == " " { return false }  // spaces stay with the word before them
        if before == " " { return true }
        if beforeWidth < 2 && afterWidth < 2 { return false }  // inside a word
        return !noStart.contains(after) && !noEnd.contains(before)
    }

    static func wrapParagraph(_ chars: [Character], width: Int) -> [String] {
        if chars.isEmpty { return [""] }
        let widths = chars.map(DisplayWidth.of)  // once per character, not per attempt
        var lines: [String] = []
        var start = 0  // first character of the current line
        while start < chars.count {
            // Greedy: take characters while they fit, remembering the last break opportunity.
            var used = 0
            var end = start
            var lastBreak: Int? = nil
            while end < chars.count {
                if end > start && canBreak(between: chars[end - 1], widths[end - 1], and: chars[end], widths[end]) { lastBreak = end }
                let w = widths[end]
                if chars[end] != " " && used + w > width { break }
                used += w
                end += 1
            }
            if end < chars.count, let b = lastBreak, b > start {
                end = b
            } else if end == start {
                end = start + 1  // cannot happen with width >= 2; guarantees progress
            }
            // Trailing spaces are not drawn (they may overflow the width).
            var last = end
            while last > start && chars[last - 1] == " " { last -= 1 }
            lines.append(String(chars[start..<last]))
            start = end
            // Leading spaces of a continuation line are the break itself.
            while start < chars.count && chars[start] == " " { start += 1 }
        }
        return lines
    }
}
