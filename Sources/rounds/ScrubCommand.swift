import ArgumentParser
import Foundation
import Privacy

/// `rounds scrub`: identifiers in standard input replaced by placeholders.
struct ScrubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrub",
        abstract: "Replace names, phone numbers, IDs, dates, addresses, e-mail and URLs in text by placeholders.",
        discussion: """
            Reads UTF-8 text on standard input and writes it with identifiers replaced: 〔氏名〕 (in Japanese lines) \
            or [NAME], [PHONE], [ID], [DATE], [ADDRESS], [EMAIL], [URL]. Clinical content (drugs, doses, lab values, \
            ages, vital signs, relative times, scores, eponyms) stays. --json prints {"text", "spans"} instead; each \
            span has its kind, the replaced text, its placeholder, utf8_start/utf8_end (byte offsets into the input) \
            and char_start/char_end (offsets in Characters, i.e. grapheme clusters). \
            Example: echo '患者 山田太郎 090-1234-5678' | rounds scrub
            """)

    @Flag(help: "Print the scrubbed text and the replaced spans as JSON.")
    var json = false

    @Option(name: .customLong("id-pattern"), help: ArgumentHelp(
        "A regular expression for record numbers (repeatable; replaces the built-in record patterns).", valueName: "regex"))
    var idPatterns: [String] = []

    func run() throws {
        let scrubber = try Self.scrubber(idPatterns)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: input, encoding: .utf8) else {
            throw ValidationError("standard input is not UTF-8 text; convert it first, e.g. iconv -f SHIFT_JIS -t UTF-8 notes.txt | rounds scrub")
        }
        let result = scrubber.scrub(text)
        if json {
            FileHandle.standardOutput.write(try Self.json(result) + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(result.text.utf8))
        }
    }

    static func scrubber(_ idPatterns: [String]) throws -> Scrubber {
        guard !idPatterns.isEmpty else { return .standard }
        do {
            return try Scrubber(configuration: ScrubberConfiguration(recordPatterns: idPatterns))
        } catch let error as ScrubberConfigurationError {
            throw ValidationError("--id-pattern: \(error.errorDescription ?? error.pattern)")
        }
    }

    static func json(_ result: ScrubResult) throws -> Data {
        struct Output: Encodable { let text: String; let spans: [ScrubSpan] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Output(text: result.text, spans: result.spans))
    }
}
