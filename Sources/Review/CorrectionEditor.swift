// The editor `e` opens on a single answer: the answer's text, edited in place, wrapped at the
// terminal's width. Like the comment editor (`LineEditor`) it counts grapheme clusters, so
// Backspace removes a whole kanji or a kana with its dakuten, and a combining mark typed
// after its base joins that base. Enter starts a new line; Ctrl-S keeps the text, Esc
// cancels. Rows are wrapped by display width (a kanji takes two cells) and character by
// character, as the terminal would, so the cursor lands where the text is.

import Support

public struct CorrectionEditor: Equatable, Sendable {
    public private(set) var characters: [Character]
    /// Cursor position in characters (0...characters.count).
    public private(set) var cursor: Int
    /// First visual row shown (kept so the cursor stays on screen).
    public private(set) var top = 0
    /// Column the cursor aims for when moving up and down.
    private var goalColumn: Int?

    public init(text: String) {
        characters = Array(text)
        cursor = characters.count
    }

    public var text: String { String(characters) }

    public enum Outcome: Equatable, Sendable { case editing, accepted(String), cancelled }

    /// Handles a key; `width` is the wrapping width (for moving up and down by rows).
    public mutating func handle(_ key: Key, width: Int) -> Outcome {
        var keepGoal = false
        switch key {
        case .char(let scalar): insert(scalar)
        case .enter: characters.insert("\n", at: cursor); cursor += 1
        case .tab: insert(" ")
        case .backspace:
            if cursor > 0 { characters.remove(at: cursor - 1); cursor -= 1 }
        case .delete:
            if cursor < characters.count { characters.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(characters.count, cursor + 1)
        case .up, .down:
            keepGoal = true
            moveVertically(by: key == .up ? -1 : 1, width: width)
        case .home, .control(0x61):   // Ctrl-A: start of the row
            let rows = Self.rows(characters, width: width)
            cursor = rows[Self.row(of: cursor, in: rows)].lowerBound
        case .end, .control(0x65):    // Ctrl-E: end of the row
            let rows = Self.rows(characters, width: width)
            cursor = rows[Self.row(of: cursor, in: rows)].upperBound
        case .control(0x73): return .accepted(text)   // Ctrl-S
        case .escape: return .cancelled
        default: break
        }
        if !keepGoal { goalColumn = nil }
        return .editing
    }

    private mutating func insert(_ scalar: Unicode.Scalar) {
        // Pasted control characters (bidi overrides, escapes) go in as shown, neutralised.
        let shown = TerminalText.neutralised(String(scalar), multiline: false)
        if shown.unicodeScalars.count != 1 || shown.unicodeScalars.first != scalar {
            for character in shown { characters.insert(character, at: cursor); cursor += 1 }
            return
        }
        // A combining mark joins the character before the cursor.
        if cursor > 0 {
            var joined = String(characters[cursor - 1])
            joined.unicodeScalars.append(scalar)
            if joined.count == 1, characters[cursor - 1] != "\n" {
                characters[cursor - 1] = joined.first!
                return
            }
        }
        characters.insert(Character(scalar), at: cursor)
        cursor += 1
    }

    private mutating func moveVertically(by delta: Int, width: Int) {
        let rows = Self.rows(characters, width: width)
        let row = Self.row(of: cursor, in: rows)
        let goal = goalColumn ?? Self.width(characters[rows[row].lowerBound..<cursor])
        goalColumn = goal
        let target = row + delta
        guard rows.indices.contains(target) else {
            cursor = delta < 0 ? 0 : characters.count
            return
        }
        var position = rows[target].lowerBound
        var column = 0
        while position < rows[target].upperBound {
            let w = DisplayWidth.of(characters[position])
            if column + w > goal { break }
            column += w
            position += 1
        }
        cursor = position
    }

    /// Moves `top` so the cursor's row is among `height` rows shown from it.
    public mutating func follow(width: Int, height: Int) {
        let row = Self.row(of: cursor, in: Self.rows(characters, width: width))
        if row < top { top = row }
        if row >= top + max(1, height) { top = row - max(1, height) + 1 }
    }

    /// The visual rows: ranges of `characters` (newlines excluded), each at most `width` cells.
    static func rows(_ characters: [Character], width: Int) -> [Range<Int>] {
        let width = max(width, 2)
        var rows: [Range<Int>] = []
        var start = 0, column = 0, i = 0
        while i < characters.count {
            if characters[i] == "\n" {
                rows.append(start..<i)
                start = i + 1
                column = 0
            } else {
                let w = DisplayWidth.of(characters[i])
                if column + w > width {
                    rows.append(start..<i)
                    start = i
                    column = 0
                }
                column += w
            }
            i += 1
        }
        rows.append(start..<characters.count)
        return rows
    }

    /// The row holding `cursor`: the last row starting at or before it (a cursor at the end of
    /// a full row is shown at the start of the next).
    static func row(of cursor: Int, in rows: [Range<Int>]) -> Int {
        var found = 0
        for (i, r) in rows.enumerated() where r.lowerBound <= cursor { found = i }
        return found
    }

    static func width(_ characters: ArraySlice<Character>) -> Int { characters.reduce(0) { $0 + DisplayWidth.of($1) } }

    /// The `height` rows shown from `top`, neutralised for the terminal, and where the cursor
    /// is among them (nil when it is off the shown rows).
    public func visible(width: Int, height: Int) -> (lines: [String], cursor: (row: Int, column: Int)?) {
        let rows = Self.rows(characters, width: width)
        let shown = rows.indices.dropFirst(top).prefix(max(1, height))
        let lines = shown.map { TerminalText.neutralised(String(characters[rows[$0]]), multiline: false) }
        let row = Self.row(of: cursor, in: rows)
        guard shown.contains(row) else { return (lines, nil) }
        return (lines, (row - top, Self.width(characters[rows[row].lowerBound..<cursor])))
    }

    public static func == (a: CorrectionEditor, b: CorrectionEditor) -> Bool {
        a.characters == b.characters && a.cursor == b.cursor && a.top == b.top
    }
}
