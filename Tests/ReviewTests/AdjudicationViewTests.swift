@testable import FeedbackStore
import Foundation
import Support
import Testing
@testable import Review

/// The adjudication screen without a terminal: every frame fits, pairs show A and B with each
/// reviewer's choice in that order, and keys map to labels.
@Suite struct AdjudicationViewTests {
    final class Recorder: AdjudicationBackend {
        var cases: [AdjudicationCase]
        var decided: [(AdjudicationCase, ItemLabel)] = []
        init(_ cases: [AdjudicationCase]) { self.cases = cases }
        func waiting() throws -> [AdjudicationCase] { cases }
        func decide(_ item: AdjudicationCase, label: ItemLabel) throws { decided.append((item, label)) }
    }

    static let prompt = Prompt(id: 1, contentHash: "h", messages: [ChatMessage(role: "user", content: "胸が痛い")], text: "胸が痛い。どうすればよいですか？",
                               split: .train, source: nil, createdAt: Date())

    static func pair() -> AdjudicationCase {
        let long = String(repeating: "ニトログリセリンを舌下に。救急車を呼んでください。", count: 20)
        return AdjudicationCase(
            kind: .comparison, prompt: prompt, sampleIDs: [3, 9], texts: [long, "様子を見てください。"],
            ratings: [.init(reviewer: "とても長い表示名の循環器内科医師その一", label: "A", harm: nil, tags: [], comment: "Bは危険"),
                      .init(reviewer: "sato", label: "B", harm: nil, tags: [], comment: nil)],
            current: nil)
    }

    @Test func framesFitEverySizeAndShowEachChoice() throws {
        let session = AdjudicationSession(backend: Recorder([Self.pair()]), lead: "主任")
        try session.start()
        for (rows, columns) in [(24, 80), (15, 50), (40, 120)] {
            session.resize(TerminalSize(rows: rows, columns: columns))
            let frame = AdjudicationView.render(session.state)
            #expect(frame.lines.count == rows)
            #expect(frame.text.allSatisfy { DisplayWidth.of($0) <= columns })
            #expect(frame.text.contains { $0.contains("RATINGS (2 reviewers)") })
            #expect(frame.text.contains { $0.contains("q quit") })
        }
        session.resize(TerminalSize(rows: 24, columns: 80))
        let text = AdjudicationView.render(session.state).text
        #expect(text.contains { $0.contains("sato") && $0.contains(" B") })
        #expect(text.contains { $0.contains("とても長い表示…") && $0.hasSuffix(" A") })   // a long name is cut, the choice stays beside it
    }

    @Test func keysPickTheLabelAndScroll() throws {
        let recorder = Recorder([Self.pair(), Self.pair()])
        let session = AdjudicationSession(backend: recorder, lead: "主任")
        try session.start()
        _ = try session.handle(.char("c"))   // a verdict key on a pair is refused
        #expect(recorder.decided.isEmpty && session.state.message?.contains("Press a, b, t") == true)
        _ = try session.handle(.pageDown)
        #expect(session.state.scroll > 0)
        _ = try session.handle(.char("b"))
        #expect(recorder.decided.map(\.1) == [.preference(.second)] && session.state.index == 1 && session.state.scroll == 0)
        _ = try session.handle(.char("n"))
        #expect(recorder.decided.map(\.1) == [.preference(.second), .preference(.bothBad)])
        #expect(try session.handle(.char("q")))
    }
}
