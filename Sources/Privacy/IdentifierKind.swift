/// The kinds of identifier the scrubber replaces, each with its placeholder.
public enum IdentifierKind: String, CaseIterable, Codable, Sendable, Comparable {
    case name, phone, id, date, address, email, url

    /// The text that replaces an identifier of this kind. Names get 〔氏名〕 in a line
    /// written in Japanese and [NAME] otherwise; the other placeholders are the same in
    /// both languages.
    public func placeholder(japanese: Bool) -> String {
        switch self {
        case .name: japanese ? "〔氏名〕" : "[NAME]"
        case .phone: "[PHONE]"
        case .id: "[ID]"
        case .date: "[DATE]"
        case .address: "[ADDRESS]"
        case .email: "[EMAIL]"
        case .url: "[URL]"
        }
    }

    /// When two detections overlap, the merged span takes the kind of higher rank: an
    /// e-mail inside a URL is the URL, digits inside an address are the address.
    var rank: Int {
        switch self {
        case .url: 7
        case .email: 6
        case .address: 5
        case .phone: 4
        case .id: 3
        case .date: 2
        case .name: 1
        }
    }

    public static func < (lhs: IdentifierKind, rhs: IdentifierKind) -> Bool { lhs.rank < rhs.rank }
}
