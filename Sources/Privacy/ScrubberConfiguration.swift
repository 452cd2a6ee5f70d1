import Foundation

/// What the scrubber looks for beyond its built-in detectors.
public struct ScrubberConfiguration: Sendable {
    /// Regular expressions (ICU syntax, as NSRegularExpression reads them) whose matches
    /// are record, patient, admission or insurance numbers. The default covers a 1–4
    /// letter prefix and five or more digits ("MRN-0012345", "K-55012").
    public var recordPatterns: [String]
    public var lexicon: NameLexicon

    /// The built-in record-number expressions.
    public static let defaultRecordPatterns = IdentifierNumbers.defaultRecordPatterns

    public init(recordPatterns: [String] = ScrubberConfiguration.defaultRecordPatterns, lexicon: NameLexicon = .standard) {
        self.recordPatterns = recordPatterns
        self.lexicon = lexicon
    }
}

/// A record pattern that is not a valid regular expression.
public struct ScrubberConfigurationError: LocalizedError, Sendable {
    public let pattern: String
    public let reason: String
    public var errorDescription: String? {
        "record pattern \(pattern) is not a valid regular expression (\(reason)); write it in ICU syntax, e.g. \\bMRN-\\d{6}\\b"
    }
}
