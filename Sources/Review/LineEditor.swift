// A one-line text editor for the comment field.
//
// The text is a Swift String and the cursor counts grapheme clusters, so Backspace
// removes a whole user-perceived character: a kanji, a kana with its dakuten, an emoji
// family, never half of a UTF-8 sequence. Input methods commit Japanese as UTF-8 bytes
// that `KeyParser` has already assembled into scalars; a combining mark typed after its
// base joins that base's cluster.

import Support

public struct LineEditor: Equatable, Sendable {
    public private(set) var text: String
    /// Cursor position in Characters (0...text.count).
    public private(set) var cursor: Int

    public init(text: String = "") {
        self.text = text
        self.cursor = text.count
    }

    public enum Outcome: Equatable, Sendable { case editing, accepted(String), cancelled }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .char(let scalar): insert(scalar)
        case .backspace: deleteBackward()
        case .delete: deleteForward()
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home, .control(0x61): cursor = 0                 // Ctrl-A
        case .end, .control(0x65): cursor = text.count         // Ctrl-E
        case .control(0x75): text.removeSubrange(text.startIndex..<index(cursor)); cursor = 0  // Ctrl-U
        case .tab: insert(" ")
        case .enter: return .accepted(text)
        case .escape: return .cancelled
        default: break
        }
        return .editing
    }

    private func index(_ offset: Int) -> String.Index { text.index(text.startIndex, offsetBy: offset) }

    private mutating func insert(_ scalar: Unicode.Scalar) {
        let head = text[..<index(cursor)]
        let tail = text[index(cursor)...]
        var newHead = String(head)
        newHead.unicodeScalars.append(scalar)
        text = newHead + tail
        // Count again: a combining mark merges into the previous cluster.
        cursor = newHead.count
    }

    private mutating func deleteBackward() {
        guard cursor > 0 else { return }
        text.remove(at: index(cursor - 1))
        cursor -= 1
    }

    private mutating func deleteForward() {
        guard cursor < text.count else { return }
        text.remove(at: index(cursor))
    }

    /// The part of the text to draw in `columns` cells so the cursor stays visible, and
    /// the cursor's column within it.
    public func visible(columns: Int) -> (text: String, cursorColumn: Int) {
        let chars = Array(text)
        let columns = max(columns, 3)
        // Start as far left as possible while the cursor (plus one cell for it) fits.
        var start = 0
        var widthBeforeCursor = DisplayWidth.of(String(chars[0..<cursor]))
        while widthBeforeCursor + 1 > columns && start < cursor {
            widthBeforeCursor -= DisplayWidth.of(chars[start])
            start += 1
        }
        let shown = String(chars[start...]).prefix(columns: columns)
        return (String(shown), widthBeforeCursor)
    }
}
