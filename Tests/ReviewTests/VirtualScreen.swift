import Review
import Support

/// A minimal terminal emulator for tests: enough of ECMA-48 (CUP, EL, ED, SGR, the
/// alternate screen) to read what `rounds review` draws, with wide characters taking two
/// cells as on a real terminal.
struct VirtualScreen {
    private(set) var rows: Int
    private(set) var columns: Int
    private var cells: [[String]]
    private var row = 0, column = 0
    private(set) var alternate = false
    private(set) var cursorVisible = true
    private var pending: [Unicode.Scalar] = []

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
    }

    /// The screen's text, a line per row (wide characters once, trailing blanks kept).
    var lines: [String] { cells.map { $0.joined() } }
    var text: String { lines.joined(separator: "\n") }

    mutating func resize(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        row = min(row, rows - 1); column = min(column, columns - 1)
    }

    mutating func feed(_ text: String) {
        pending += text.unicodeScalars
        // Group scalars into graphemes, but keep escape sequences apart.
        var index = 0
        var printable = ""
        func flushPrintable() {
            for character in printable { put(character) }
            printable = ""
        }
        while index < pending.count {
            let s = pending[index]
            if s == "\u{1B}" {
                flushPrintable()
                guard let length = escapeLength(at: index) else { break }  // incomplete: wait
                apply(Array(pending[index..<(index + length)]))
                index += length
            } else if s == "\r" { flushPrintable(); column = 0; index += 1 }
            else if s == "\n" { flushPrintable(); lineFeed(); index += 1 }
            else if s.value < 0x20 { flushPrintable(); index += 1 }
            else { printable.unicodeScalars.append(s); index += 1 }
        }
        flushPrintable()
        pending.removeFirst(index)
    }

    private func escapeLength(at start: Int) -> Int? {
        guard start + 1 < pending.count else { return nil }
        if pending[start + 1] != "[" { return 2 }
        var i = start + 2
        while i < pending.count {
            if (0x40...0x7E).contains(pending[i].value) { return i - start + 1 }
            i += 1
        }
        return nil
    }

    private mutating func apply(_ sequence: [Unicode.Scalar]) {
        guard sequence.count > 2, sequence[1] == "[" else { return }
        let final = sequence.last!
        let body = String(String.UnicodeScalarView(sequence[2..<(sequence.count - 1)]))
        let numbers = body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        switch final {
        case "H":
            row = max(0, min(rows - 1, (numbers.first.flatMap { $0 } ?? 1) - 1))
            column = max(0, min(columns - 1, (numbers.count > 1 ? numbers[1] ?? 1 : 1) - 1))
        case "K":
            for c in column..<columns { cells[row][c] = " " }
        case "J":
            cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        case "h", "l":
            if body == "?1049" { alternate = final == "h"; cells = Array(repeating: Array(repeating: " ", count: columns), count: rows) }
            if body == "?25" { cursorVisible = final == "h" }
        default: break  // SGR and others do not change the text
        }
    }

    private mutating func put(_ character: Character) {
        let width = DisplayWidth.of(character)
        if width == 0 {
            // Combining: attach to the previous cell.
            if column > 0 { cells[row][column - 1] += String(character) }
            return
        }
        if column + width > columns { column = 0; lineFeed() }
        cells[row][column] = String(character)
        if width == 2 { cells[row][column + 1] = "" }
        column += width
        if column >= columns { column = columns - 1 }  // pending-wrap, simplified
    }

    private mutating func lineFeed() {
        if row + 1 < rows { row += 1 } else {
            cells.removeFirst()
            cells.append(Array(repeating: " ", count: columns))
        }
    }
}
