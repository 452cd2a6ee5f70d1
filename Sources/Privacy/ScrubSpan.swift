import Foundation

/// One identifier the scrubber replaced. Offsets point into the input text: `utf8Start`
/// ..< `utf8End` in UTF-8 bytes and `characterStart` ..< `characterEnd` in Swift
/// Characters (extended grapheme clusters).
public struct ScrubSpan: Hashable, Sendable, Codable {
    public var kind: IdentifierKind
    public var utf8Start: Int
    public var utf8End: Int
    public var characterStart: Int
    public var characterEnd: Int
    /// The text that was replaced.
    public var text: String
    /// What replaced it.
    public var placeholder: String

    enum CodingKeys: String, CodingKey {
        case kind, text, placeholder
        case utf8Start = "utf8_start", utf8End = "utf8_end"
        case characterStart = "char_start", characterEnd = "char_end"
    }
}

/// The scrubbed text and what was replaced.
public struct ScrubResult: Hashable, Sendable {
    public var text: String
    public var spans: [ScrubSpan]
    /// True when nothing was replaced.
    public var isUnchanged: Bool { spans.isEmpty }
}

/// A detection before merging: a UTF-16 range of the input and its kind.
struct Candidate: Hashable {
    var start: Int
    var end: Int
    var kind: IdentifierKind
}
