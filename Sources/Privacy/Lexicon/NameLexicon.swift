/// Common names the scrubber recognises without context (see
/// scripts/privacy/make-name-lexicon.py for the lists and their sources).
public struct NameLexicon: Sendable {
    public let japaneseSurnames: Set<String>
    public let japaneseGivenNames: Set<String>
    public let romajiSurnames: Set<String>
    public let romajiGivenNames: Set<String>
    public let englishFirstNames: Set<String>
    public let englishSurnames: Set<String>
    /// Kanji that end many surnames, and kanji common in given names: the shape of a bare
    /// full name the lists do not hold.
    let japaneseSurnameFinals: Set<Character>
    let japaneseGivenNameKanji: Set<Character>
    /// The longest Japanese surname, in UTF-16 units, bounding the scanners' look-ups.
    let longestJapaneseSurname: Int

    public static let standard = NameLexicon()

    init() {
        func list(_ key: String) -> Set<String> {
            Set((Self.data[key] ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        }
        japaneseSurnames = list("japaneseSurnames")
        japaneseGivenNames = list("japaneseGivenNames")
        romajiSurnames = list("romajiSurnames")
        romajiGivenNames = list("romajiGivenNames")
        englishFirstNames = list("englishFirstNames")
        englishSurnames = list("englishSurnames")
        japaneseSurnameFinals = Set(list("japaneseSurnameFinals").compactMap(\.first))
        japaneseGivenNameKanji = Set(list("japaneseGivenNameKanji").compactMap(\.first))
        longestJapaneseSurname = japaneseSurnames.map(\.utf16.count).max() ?? 0
    }

    /// True when the word is in any list (the benchmark reports recall separately for
    /// names the lexicon knows and names it does not).
    public func contains(_ word: String) -> Bool {
        japaneseSurnames.contains(word) || japaneseGivenNames.contains(word) || romajiSurnames.contains(word)
            || romajiGivenNames.contains(word) || englishFirstNames.contains(word) || englishSurnames.contains(word)
    }

    /// A first name or surname written in Latin letters (English or romaji).
    func isLatinGiven(_ word: String) -> Bool { englishFirstNames.contains(word) || romajiGivenNames.contains(word) }
    func isLatinSurname(_ word: String) -> Bool { englishSurnames.contains(word) || romajiSurnames.contains(word) }
}
