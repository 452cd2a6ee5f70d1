/// CSV cells for spreadsheets (RFC 4180), safe to open: a text cell a spreadsheet would run
/// as a formula or command (OWASP "CSV Injection": starting with =, +, -, @, tab or carriage
/// return, e.g. `=HYPERLINK(…)` or `=cmd|' /C calc'!A0` in a prompt or an answer) gets a
/// leading apostrophe, which spreadsheets show as text and hide. Numbers Rounds formats
/// itself go through `number`, so a negative kappa stays a number.
enum CSV {
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "\r\n"]

    /// A text cell: neutralised, then quoted when it holds a comma, quote, CR or LF.
    static func field(_ text: String) -> String {
        let cell = text.first.map(formulaStarts.contains) == true ? "'" + text : text
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number cell: empty when missing or not finite.
    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return "\(value)"
    }

    static func number(_ value: Int) -> String { "\(value)" }

    /// One line: text cells neutralised and quoted, number cells (already formatted by
    /// `number`) as they are.
    static func line(text: [String], numbers: [String] = []) -> String {
        (text.map(field) + numbers).joined(separator: ",")
    }
}
