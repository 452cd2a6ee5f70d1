import Foundation
import Support

/// Measures a scrubber against labelled sentences (the corpus written by
/// scripts/fixtures/make-scrub-corpus.py): recall on identifier spans per kind, the share
/// of clean sentences left unchanged, and, for names, recall split by whether the
/// lexicon knows every word of the name.
public struct ScrubEvaluation: Sendable {
    /// One labelled sentence: `{"id", "lang", "text", "spans": [{"kind", "text",
    /// "utf8_start", "utf8_end"}]}`; offsets are UTF-8 bytes into `text`.
    public struct Sentence: Codable, Sendable {
        public struct Span: Codable, Sendable {
            public var kind: IdentifierKind
            public var text: String
            public var utf8Start: Int
            public var utf8End: Int
            enum CodingKeys: String, CodingKey { case kind, text, utf8Start = "utf8_start", utf8End = "utf8_end" }
        }
        public var id: String
        public var lang: String
        public var text: String
        public var spans: [Span]
    }

    public struct Tally: Sendable {
        public var found = 0
        public var total = 0
        public var recall: Double { total == 0 ? 1 : Double(found) / Double(total) }
    }

    public var perKind: [IdentifierKind: Tally] = [:]
    public var overall = Tally()
    /// Names whose every word is in the lexicon, and names with a word it does not know.
    public var namesInLexicon = Tally()
    public var namesNotInLexicon = Tally()
    /// Clean sentences left unchanged (found) of all clean sentences (total).
    public var cleanUnchanged = Tally()
    /// Identifier spans missed and clean sentences changed, for reading.
    public var misses: [(sentence: String, span: String, kind: IdentifierKind)] = []
    public var changedClean: [(sentence: String, scrubbed: String)] = []

    /// Reads a corpus file; a bad line fails with file:line and what is wrong.
    public static func load(_ url: URL) throws -> [Sentence] {
        let decoder = JSONDecoder()
        do {
            return try JSONLines.lines(of: url).map { number, text in
                do { return try decoder.decode(Sentence.self, from: Data(text.utf8)) } catch {
                    throw JSONLines.LineError(
                        file: url.path, line: number,
                        reason: "not a labelled sentence {\"id\", \"lang\", \"text\", \"spans\": [{\"kind\", \"text\", \"utf8_start\", \"utf8_end\"}]} — regenerate it with scripts/fixtures/make-scrub-corpus.py")
                }
            }
        }
    }

    public init(scrubber: Scrubber, sentences: [Sentence], lexicon: NameLexicon = .standard) {
        for sentence in sentences {
            let result = scrubber.scrub(sentence.text)
            guard !sentence.spans.isEmpty else {
                cleanUnchanged.total += 1
                if result.text == sentence.text { cleanUnchanged.found += 1 } else { changedClean.append((sentence.text, result.text)) }
                continue
            }
            // A labelled span is found when every non-space byte of it was replaced.
            var covered = [Bool](repeating: false, count: sentence.text.utf8.count)
            for span in result.spans { for i in span.utf8Start..<span.utf8End { covered[i] = true } }
            let bytes = Array(sentence.text.utf8)
            for span in sentence.spans {
                let hit = (span.utf8Start..<span.utf8End).allSatisfy { covered[$0] || bytes[$0] == 0x20 }
                perKind[span.kind, default: Tally()].total += 1
                overall.total += 1
                if hit { perKind[span.kind, default: Tally()].found += 1; overall.found += 1 } else {
                    misses.append((sentence.text, span.text, span.kind))
                }
                if span.kind == .name {
                    let words = span.text.split(whereSeparator: { $0 == " " || $0 == "・" }).map(String.init)
                    let known = words.allSatisfy { lexicon.contains($0) } || Self.knownJapanese(span.text, lexicon)
                    if known { namesInLexicon.total += 1; if hit { namesInLexicon.found += 1 } } else {
                        namesNotInLexicon.total += 1; if hit { namesNotInLexicon.found += 1 }
                    }
                }
            }
        }
    }

    /// A kanji name written without a space counts as known when it is a known surname
    /// followed by a known given name (or either alone).
    static func knownJapanese(_ name: String, _ lexicon: NameLexicon) -> Bool {
        if lexicon.japaneseSurnames.contains(name) || lexicon.japaneseGivenNames.contains(name) { return true }
        let characters = Array(name)
        for cut in 1..<max(1, characters.count) {
            if lexicon.japaneseSurnames.contains(String(characters[..<cut])) && lexicon.japaneseGivenNames.contains(String(characters[cut...])) {
                return true
            }
        }
        return false
    }

    /// The figures as lines of text.
    public var report: String {
        func line(_ label: String, _ tally: Tally) -> String {
            label.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: "%7.2f%%  (%d of %d)", tally.recall * 100, tally.found, tally.total)
        }
        var lines = ["recall on identifier spans:"]
        for kind in IdentifierKind.allCases { if let tally = perKind[kind] { lines.append("  " + line(kind.rawValue, tally)) } }
        lines.append("  " + line("overall", overall))
        lines.append("  " + line("names in the lexicon", namesInLexicon))
        lines.append("  " + line("names not in the lexicon", namesNotInLexicon))
        lines.append(line("clean sentences unchanged", cleanUnchanged))
        return lines.joined(separator: "\n")
    }
}
