import Foundation

/// Replaces identifiers in free text by placeholders (〔氏名〕/[NAME], [PHONE], [ID],
/// [DATE], [ADDRESS], [EMAIL], [URL]) and reports what it replaced. Built once and reused:
/// construction compiles the expressions; `scrub` is safe to call from any thread.
///
/// Detection is by patterns (numbers, dates, addresses, contacts), context (honorifics,
/// titles, labels such as 患者番号 or "patient") and a modest lexicon of common names
/// for names written bare. Clinical content — drugs and doses, lab values, ages, vital
/// signs, relative times, scores and eponyms — is left as it is.
public final class Scrubber: Sendable {
    private let patterns: [Pattern]
    private let japaneseNames: JapaneseNames
    private let englishNames: EnglishNames

    public init(configuration: ScrubberConfiguration = ScrubberConfiguration()) throws {
        let records = try configuration.recordPatterns.map { expression in
            do { return try Pattern(.id, compiling: expression) } catch {
                throw ScrubberConfigurationError(pattern: expression, reason: "\(error.localizedDescription)")
            }
        }
        patterns = ContactPatterns.all + DatePatterns.all + AddressPatterns.all + IdentifierNumbers.fixed + records
        japaneseNames = JapaneseNames(lexicon: configuration.lexicon)
        englishNames = EnglishNames(lexicon: configuration.lexicon)
    }

    /// A scrubber with the built-in configuration (its expressions always compile).
    public static let standard: Scrubber = {
        do { return try Scrubber() } catch { preconditionFailure("built-in scrubber configuration: \(error)") }
    }()

    public func scrub(_ text: String) -> ScrubResult {
        guard !text.isEmpty else { return ScrubResult(text: text, spans: []) }
        let view = TextView(text)
        var candidates = patterns.flatMap { $0.candidates(in: view) }
        // Each name scanner only where its script occurs.
        if view.units.contains(where: Script.isJapanese) { candidates += japaneseNames.candidates(in: view) }
        if view.foldedUnits.contains(where: { (0x41...0x5A).contains($0) }) { candidates += englishNames.candidates(in: view) }
        return SpanMerger.result(text, view: view, candidates: candidates)
    }
}
