import Foundation

/// The text as the detectors read it: UTF-16 code units (the offsets NSRegularExpression
/// reports) with full-width ASCII folded to ASCII and dash look-alikes folded to "-".
/// Every fold maps one UTF-16 unit to one, so an offset in the folded text is the same
/// offset in the original and spans need no translation.
struct TextView {
    let original: String
    let units: [UInt16]
    let foldedUnits: [UInt16]
    /// The folded text, made once and handed to every expression.
    let folded: String

    init(_ text: String) {
        original = text
        let units = Array(text.utf16)
        self.units = units
        let foldedUnits = units.map(Self.fold)
        self.foldedUnits = foldedUnits
        folded = String(decoding: foldedUnits, as: UTF16.self)
    }

    var count: Int { units.count }

    static func fold(_ unit: UInt16) -> UInt16 {
        switch unit {
        case 0xFF01...0xFF5E: unit - 0xFF01 + 0x21     // full-width ASCII
        case 0x3000: 0x20                               // ideographic space
        case 0x2010...0x2015, 0x2212: 0x2D              // hyphens, dashes, minus sign
        default: unit
        }
    }

    /// The original text of a UTF-16 range.
    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: units[start..<end], as: UTF16.self)
    }

    /// The folded text of a UTF-16 range.
    func foldedString(_ start: Int, _ end: Int) -> String {
        String(decoding: foldedUnits[start..<end], as: UTF16.self)
    }

    func unit(_ i: Int) -> UInt16? { i >= 0 && i < units.count ? units[i] : nil }
}

/// Character classes on UTF-16 code units, for the hand-written name scanners.
enum Script {
    static func isKanji(_ u: UInt16?) -> Bool {
        guard let u else { return false }
        return (0x4E00...0x9FFF).contains(u) || (0x3400...0x4DBF).contains(u) || u == 0x3005 /* 々 */
            || u == 0x30F6 /* ヶ */ || (0xD840...0xD87F).contains(u) || (0xDC00...0xDFFF).contains(u)
    }
    static func isHiragana(_ u: UInt16?) -> Bool { guard let u else { return false }; return (0x3041...0x3096).contains(u) }
    static func isKatakana(_ u: UInt16?) -> Bool {
        guard let u else { return false }
        return (0x30A1...0x30FA).contains(u) || u == 0x30FC /* ー */
    }
    static func isSpace(_ u: UInt16?) -> Bool { u == 0x20 || u == 0x3000 }
    static func isJapanese(_ u: UInt16) -> Bool { isKanji(u) || isHiragana(u) || isKatakana(u) }
}
