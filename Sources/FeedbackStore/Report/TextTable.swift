/// Columns padded by display width, so Japanese names (two cells per character) line up
/// in a terminal.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    var rendered: String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { Self.displayWidth($0[c]) }.max() ?? 0 }
        return all.enumerated().map { r, row in
            let line = row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - Self.displayWidth(cell))
                return c == 0 ? cell + pad : pad + cell   // names left, numbers right
            }.joined(separator: "  ")
            return r == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
        }.joined(separator: "\n")
    }

    /// Terminal cells of `text`: East Asian wide and fullwidth characters take two
    /// (Unicode UAX #11, the ranges that matter for Japanese), combining marks none.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            if scalar.properties.generalCategory == .nonspacingMark || v == 0x200B { return width }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
                || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
                || (0x20000...0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
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
