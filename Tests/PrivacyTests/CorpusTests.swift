import Foundation
import Testing
@testable import Privacy

/// The committed labelled sample (scripts/fixtures/make-scrub-corpus.py, seed 14) holds the
/// targets: recall on identifier spans of 99% or more, and 98% or more of clean sentences
/// unchanged. The generator's names come from its own lists, not the scrubber's lexicon.
@Suite struct CorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scrub/corpus.jsonl")

    @Test func recallAndCleanTextHoldTheTargets() throws {
        let sentences = try ScrubEvaluation.load(Self.corpus)
        #expect(sentences.count >= 1500)
        #expect(sentences.filter { !$0.spans.isEmpty }.count >= 1000)
        #expect(sentences.filter(\.spans.isEmpty).count >= 500)
        let evaluation = ScrubEvaluation(scrubber: .standard, sentences: sentences)
        #expect(evaluation.overall.recall >= 0.99, "\(evaluation.report)")
        #expect(evaluation.cleanUnchanged.recall >= 0.98, "\(evaluation.report)")
        for kind in IdentifierKind.allCases {
            #expect((evaluation.perKind[kind]?.total ?? 0) >= 100, "too few \(kind) spans in the sample")
        }
    }

    @Test func aBadCorpusLineIsNamed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scrub-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try "{\"id\":\"a\",\"lang\":\"en\",\"text\":\"x\",\"spans\":[]}\n{\"id\":\"b\"}\n".write(to: file, atomically: true, encoding: .utf8)
        #expect { try ScrubEvaluation.load(file) } throws: { error in
            "\(error.localizedDescription)".contains(":2:")
        }
    }
}
