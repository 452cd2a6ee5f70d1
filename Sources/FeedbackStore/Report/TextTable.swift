import Support

/// Columns padded by display width, so Japanese names (two cells per character) line up
/// in a terminal.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    /// Cells are neutralised (names and policy names come from people and files).
    var rendered: String {
        let all = ([header] + rows).map { $0.map { TerminalText.neutralised($0, multiline: false) } }
        let widths = header.indices.map { c in all.map { DisplayWidth.of($0[c]) }.max() ?? 0 }
        return all.enumerated().map { r, row in
            let line = row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - DisplayWidth.of(cell))
                return c == 0 ? cell + pad : pad + cell   // names left, numbers right
            }.joined(separator: "  ")
            return r == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
        }.joined(separator: "\n")
    }
}

/// Number formatting shared by the text, CSV and HTML reports.
enum Format {
    static func fixed(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    /// "lo – hi", or a single dash when there is no interval.
    static func interval(_ lower: Double?, _ upper: Double?, _ format: (Double?) -> String) -> String {
        guard lower != nil, upper != nil else { return "–" }
        return "\(format(lower)) – \(format(upper))"
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}
