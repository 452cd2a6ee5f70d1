import Foundation

/// E-mail addresses, URLs that carry something identifying, and telephone numbers
/// (Japanese mobile and landline, +81 and other international forms, US and UK forms).
enum ContactPatterns {
    static let all: [Pattern] = [email, url] + phones

    static let email = Pattern(.email, #"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"#, needs: "@")

    /// A URL is scrubbed when it has a query or fragment, three or more digits in a row,
    /// an "@" or "~", or a path segment naming a person or record; a bare site or guideline
    /// address (https://www.nice.org.uk/guidance/ng136) stays.
    static let url = Pattern(
        .url, #"(?i)(?<![A-Za-z0-9.\-])(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@!$&*+,;=%]*[A-Za-z0-9\-_~/#@$&*+=%]"#,
        needs: "/.", accept: { carriesIdentifier($0) })

    static func carriesIdentifier(_ url: String) -> Bool {
        let lower = url.lowercased()
        if lower.contains("?") || lower.contains("#") || lower.contains("@") || lower.contains("~") { return true }
        var run = 0
        for c in lower {
            run = c.isASCII && c.isNumber ? run + 1 : 0
            if run >= 3 { return true }
        }
        let words = ["patient", "patients", "mrn", "record", "records", "chart", "user", "users", "profile", "member", "karte", "kanja"]
        let segments = lower.split(separator: "/").dropFirst(2)
        return segments.contains { words.contains(String($0)) }
    }

    static let phones: [Pattern] = [
        // Japanese: 090-1234-5678, 03-1234-5678, 0120-123-456, (03) 1234-5678, 09012345678
        Pattern(.phone, #"(?<![\d.\-/])(?:0\d{1,4}-\d{1,4}-\d{3,4}|\(0\d{1,4}\)\s?\d{1,4}-\d{3,4}|0[5789]0\d{8}|0\d{9})(?![\d\-/.%])"#, needs: Pattern.digits),
        // International: +81 90-1234-5678, +81-3-1234-5678, +44 20 7946 0958, +1 (415) 555-0134
        Pattern(.phone, #"(?<![\w+])\+\d{1,3}[\s.\-]?(?:\(\d{1,4}\)[\s.\-]?)?\d{1,4}(?:[\s.\-]?\d{2,4}){1,4}(?!\d)"#, needs: Pattern.digits),
        // US: (415) 555-0134, 415-555-0134, 415.555.0134
        Pattern(.phone, #"(?<![\d\-/])(?:\(\d{3}\)\s?|\d{3}[\-.])\d{3}[\-.]\d{4}(?![\d\-/])"#, needs: Pattern.digits),
        // UK: 020 7946 0958, 0161 496 0000, 07700 900123
        Pattern(.phone, #"(?<![\d.])0\d{2,4}\s\d{3,4}\s?\d{3,4}(?!\d|\.\d)"#, needs: Pattern.digits),
        // Anything number-like after a telephone word: 電話 12-3456, tel. 555 0134
        Pattern(.phone, #"(?i)(?:\btel\b|\bphone\b|\bmobile\b|\bcell\b|\bfax\b|電話(?:番号)?|携帯(?:番号|電話)?|連絡先|ファックス)\.?[\s:：は]*(?:number\s*)?(?:is\s*)?([+(]?\d[\d\s().\-]{5,}\d)"#, group: 1, needs: Pattern.digits),
    ]
}
