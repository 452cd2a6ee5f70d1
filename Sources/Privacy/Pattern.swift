import Foundation

/// A regular expression that detects one kind of identifier. `group` picks the capture
/// group that is the identifier (0: the whole match), so context words such as "MRN" or
/// "生年月日" stay in the text. `accept` can refuse a match the expression cannot judge
/// (a check digit, a URL without anything identifying in it).
struct Pattern: @unchecked Sendable {
    let regex: NSRegularExpression
    let kind: IdentifierKind
    let group: Int
    let accept: (@Sendable (String) -> Bool)?
    /// Characters (UTF-16 units of the folded text) of which every match has at least one:
    /// a text with none of them is not searched ('@' for e-mail, 市区郡 for addresses).
    let needs: Set<UInt16>?

    /// Built-in expressions are compiled once; a bad one is a programming error.
    init(_ kind: IdentifierKind, _ expression: String, group: Int = 0, needs: String? = nil,
         accept: (@Sendable (String) -> Bool)? = nil) {
        do {
            try self.init(kind, compiling: expression, group: group, needs: needs, accept: accept)
        } catch {
            preconditionFailure("built-in pattern does not compile: \(expression)")
        }
    }

    init(_ kind: IdentifierKind, compiling expression: String, group: Int = 0, needs: String? = nil,
         accept: (@Sendable (String) -> Bool)? = nil) throws {
        regex = try NSRegularExpression(pattern: expression, options: [])
        self.kind = kind
        self.group = group
        self.accept = accept
        self.needs = needs.map { Set($0.utf16) }
    }

    /// Every digit, for the many patterns that match numbers.
    static let digits = "0123456789"

    func candidates(in view: TextView) -> [Candidate] {
        if let needs, !view.foldedUnits.contains(where: needs.contains) { return [] }
        var found: [Candidate] = []
        regex.enumerateMatches(in: view.folded, options: [], range: NSRange(location: 0, length: view.count)) { match, _, _ in
            guard let match else { return }
            let range = match.range(at: group)
            guard range.location != NSNotFound, range.length > 0 else { return }
            if let accept, !accept(view.foldedString(range.location, range.location + range.length)) { return }
            found.append(Candidate(start: range.location, end: range.location + range.length, kind: kind))
        }
        return found
    }
}
