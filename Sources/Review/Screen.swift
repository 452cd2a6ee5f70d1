// A frame of the full-screen tool as plain values, and its encoding as ANSI output.
//
// Views are pure functions returning a `Frame` (exactly `rows` lines, none wider than
// `columns`), so tests read the screen without a terminal. Only `ansi()` knows escape
// sequences (ECMA-48: CUP to position, SGR for style, EL to clear the rest of a line).

import Support

public enum LineStyle: Equatable, Sendable {
    case plain, heading, dim, bar, highlight
}

public struct StyledLine: Equatable, Sendable {
    public var text: String
    public var style: LineStyle
    public init(_ text: String, _ style: LineStyle = .plain) { self.text = text; self.style = style }
}

/// What the terminal should show.
public struct Frame: Equatable, Sendable {
    public var lines: [StyledLine]
    /// Where to show the cursor (row, column, zero-based), or nil to hide it.
    public var cursor: (row: Int, column: Int)?

    public init(lines: [StyledLine], cursor: (row: Int, column: Int)? = nil) {
        self.lines = lines
        self.cursor = cursor
    }

    public static func == (a: Frame, b: Frame) -> Bool {
        a.lines == b.lines && a.cursor?.row == b.cursor?.row && a.cursor?.column == b.cursor?.column
    }

    /// The plain text of every line, as a test or a log would read the screen.
    public var text: [String] { lines.map(\.text) }

    /// Fits `lines` to exactly `size`: cut or padded with blank lines, each line cut to
    /// the width.
    public static func fitted(_ lines: [StyledLine], size: TerminalSize, cursor: (row: Int, column: Int)? = nil) -> Frame {
        var out = lines.prefix(size.rows).map { StyledLine(String($0.text.prefix(columns: size.columns)), $0.style) }
        while out.count < size.rows { out.append(StyledLine("")) }
        return Frame(lines: out, cursor: cursor)
    }

    /// The escape sequences that draw this frame over whatever is on screen, as one write
    /// (so a slow ssh link never shows a half-drawn frame). Rows identical in `previous`
    /// (the frame already on screen) are not sent again: scrolling or typing a comment
    /// over ssh then costs a few rows, not the whole screen.
    public func ansi(columns: Int, previous: Frame? = nil) -> String {
        var out = "\u{1B}[?25l"
        let unchanged = previous.map { $0.lines.count == lines.count } ?? false
        for (row, line) in lines.enumerated() {
            if unchanged, previous!.lines[row] == line { continue }
            // The bottom row stops one cell short, so the terminal never scrolls.
            let width = row == lines.count - 1 ? columns - 1 : columns
            let text = String(line.text.prefix(columns: width))
            out += "\u{1B}[\(row + 1);1H"
            switch line.style {
            case .plain: out += text
            case .heading: out += "\u{1B}[1m" + text
            case .dim: out += "\u{1B}[2m" + text
            case .highlight: out += "\u{1B}[1;33m" + text
            case .bar: out += "\u{1B}[7m" + text.padded(toColumns: width)  // reverse video across the row
            }
            out += "\u{1B}[0m"
            // Erase the rest of the row, unless the text reached the last column: there the
            // cursor waits on that cell and EL would erase the character just drawn.
            if DisplayWidth.of(line.style == .bar ? text.padded(toColumns: width) : text) < columns { out += "\u{1B}[K" }
        }
        if let cursor {
            out += "\u{1B}[\(cursor.row + 1);\(cursor.column + 1)H\u{1B}[?25h"
        }
        return out
    }
}
