import FeedbackStore
import GRDB
import Testing
@testable import Review
import Support

/// Corrections and the rubric in the session, against a real store in memory.
@Suite struct CorrectionSessionTests {
    func type(_ session: ReviewSession, _ text: String) throws {
        for scalar in text.unicodeScalars { _ = try session.handle(scalar == "\n" ? .enter : .char(scalar)) }
    }

    @Test func aCorrectionIsScrubbedShownUnderTheAnswerAndSavedWithTheRating() throws {
        let (session, store, _) = try ReviewSessionTests.makeSession(judgments: 2)
        _ = try session.handle(.char("e"))
        guard case .correction(let editor) = session.state.mode else { Issue.record("no editor"); return }
        #expect(editor.text == "回答 0")
        for _ in 0..<4 { _ = try session.handle(.backspace) }
        try type(session, "山田太郎さんに電話し、\n救急外来を受診してください。")
        _ = try session.handle(.control(0x73))  // Ctrl-S
        #expect(session.state.mode == .rating)
        #expect(session.state.draft.correction == "〔氏名〕さんに電話し、\n救急外来を受診してください。")
        #expect(session.state.message?.contains("1 identifier (name) replaced") == true)
        let body = ReviewView.body(session.state).map(\.text)
        #expect(body.contains("YOUR CORRECTION (saved with the rating; e edits it)"))
        #expect(body.contains("  〔氏名〕さんに電話し、"))
        #expect(ReviewChrome.details(session.state.draft, pair: false).hasPrefix("corrected · "))
        _ = try session.handle(.char("x"))
        let saved = try store.correctionRecords(split: .all)
        #expect(saved.map(\.corrected) == ["〔氏名〕さんに電話し、\n救急外来を受診してください。"])
        #expect(try store.reader.read { try Int.fetchOne($0, sql: "SELECT identifiers_replaced FROM corrections") } == 1)
        // The next card starts without a correction.
        #expect(session.state.draft.correction.isEmpty)
    }

    @Test func theAnswerUnchangedIsNoCorrectionAndEscapeCancels() throws {
        let (session, _, _) = try ReviewSessionTests.makeSession(judgments: 1)
        _ = try session.handle(.char("e"))
        _ = try session.handle(.control(0x73))
        #expect(session.state.draft.correction.isEmpty)
        #expect(session.state.message == "No correction: the text is the answer unchanged.")
        _ = try session.handle(.char("e"))
        try type(session, "追記")
        _ = try session.handle(.escape)
        #expect(session.state.draft.correction.isEmpty && session.state.mode == .rating)
    }

    @Test func pairsRefuseCorrectionsAndTheRubric() throws {
        let (session, _, _) = try ReviewSessionTests.makeSession(judgments: 0, pairs: 1)
        for key in ["e", "r"] {
            _ = try session.handle(.char(Unicode.Scalar(key)!))
            #expect(session.state.mode == .rating)
            #expect(session.state.message?.contains("for single answers") == true)
        }
    }

    @Test func theExternalEditorGetsTheAnswerAndItsTextIsKept() throws {
        let (session, store, _) = try ReviewSessionTests.makeSession(judgments: 1)
        nonisolated(unsafe) var given: String?
        session.externalEditor = { text in given = text; return text + "\n（夜間は救急外来へ）\n" }
        _ = try session.handle(.char("e"))
        #expect(given == "回答 0")
        #expect(session.state.draft.correction == "回答 0\n（夜間は救急外来へ）")
        session.externalEditor = { _ in nil }
        _ = try session.handle(.char("e"))
        #expect(session.state.draft.correction == "回答 0\n（夜間は救急外来へ）")
        _ = try session.handle(.char("c"))
        #expect(try store.correctionRecords(split: .all).count == 1)
    }

    @Test func rubricDigitsSetTheMarkedAxisAndHarmExtentIsTheHarmLevel() throws {
        let (session, store, _) = try ReviewSessionTests.makeSession(judgments: 1)
        _ = try session.handle(.char("h"))
        _ = try session.handle(.char("1"))            // harm: mild
        _ = try session.handle(.char("r"))
        #expect(session.state.mode == .rubric(axis: 0))
        #expect(session.state.draft.rubricValue(RubricAxis.medPaLM[1]) == 1)  // mild reads as mild–moderate
        _ = try session.handle(.char("3"))            // consensus: opposed
        _ = try session.handle(.char("2"))            // harm extent: mild–moderate keeps "mild"
        #expect(session.state.draft.harm == .mild)
        _ = try session.handle(.up)
        _ = try session.handle(.char("3"))            // harm extent: severe
        #expect(session.state.draft.harm == .severe && session.state.mode == .rubric(axis: 2))
        _ = try session.handle(.char("9"))            // no ninth value: nothing happens
        #expect(session.state.mode == .rubric(axis: 2))
        _ = try session.handle(.char("2"))            // likelihood: medium
        _ = try session.handle(.char("2"))            // missing content: yes
        _ = try session.handle(.down)                 // incorrect content: left out
        _ = try session.handle(.char("1"))            // bias: no (the last axis stays marked)
        _ = try session.handle(.char("0"))            // … and cleared again
        _ = try session.handle(.enter)
        #expect(session.state.draft.axes == ["consensus": "opposed", "harm_likelihood": "medium", "missing_content": "yes"])
        #expect(ReviewChrome.details(session.state.draft, pair: false, rubric: session.state.rubric).hasPrefix("rubric 4/6 · harm: severe"))
        _ = try session.handle(.char("x"))
        let rows = try store.reader.read { try Row.fetchAll($0, sql: "SELECT axis, value FROM judgment_axes ORDER BY axis") }
        #expect(rows.map { "\($0["axis"] as String)=\($0["value"] as String)" } == ["consensus=opposed", "harm_likelihood=medium", "missing_content=yes"])
        #expect(try store.reader.read { try String.fetchOne($0, sql: "SELECT harm FROM judgments") } == "severe")
    }

    @Test func theBundledGuidelinesListTheDefaultRubric() throws {
        let guidelines = Guidelines.load(path: packageRoot + "/feedback/guidelines.md")
        #expect(try guidelines.rubricAxes() == RubricAxis.medPaLM)
        #expect(try Guidelines(path: "g.md", markdown: "# Guidelines").rubricAxes() == RubricAxis.medPaLM)
    }

    @Test func aMalformedRubricNamesItsLine() {
        let markdown = "# G\n\n## Rubric axes\n\n- `consensus` Agreement: yes / no\n- `harm_extent` Harm: none / some\n"
        #expect(throws: RubricError(path: "g.md", line: 6, reason:
            "'harm_extent' is the harm level on three levels (none / mild–moderate / severe); it needs exactly 3 values")) {
            try Guidelines(path: "g.md", markdown: markdown).rubricAxes()
        }
        for bad in ["- consensus Agreement: yes / no", "- `Consensus` Agreement: yes / no", "- `c` Agreement yes / no", "- `c` Agreement: yes"] {
            #expect(throws: RubricError.self) { try Guidelines(path: "g.md", markdown: "## Rubric axes\n" + bad).rubricAxes() }
        }
        let japanese = try? Guidelines(path: "g.md", markdown: "## Rubric axes\n- `bias` 偏りの可能性：なし／あり\n").rubricAxes()
        #expect(japanese == [RubricAxis(id: "bias", label: "偏りの可能性", values: ["なし", "あり"])])
    }
}
