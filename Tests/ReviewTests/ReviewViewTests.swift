import Testing
import FeedbackStore
@testable import Review

@Suite struct ReviewViewTests {
    static let guidelines = Guidelines(path: "feedback/guidelines.md", markdown: """
        # Rating guidelines
        - **Correct**: you would send it unchanged.
        ## 日本語
        回答を読み、同僚が書いた回答として評価してください。
        """)

    static func state(_ card: ReviewCard?, rows: Int = 24, columns: Int = 80) -> ReviewState {
        var state = ReviewState(reviewer: "tanaka")
        state.card = card
        state.progress = ReviewProgress(doneToday: 3, remaining: 7)
        state.size = TerminalSize(rows: rows, columns: columns)
        return state
    }

    static let longAnswer = (1...40).map { "第\($0)段落：胸痛が腕に広がる場合は救急受診。Seek emergency care." }.joined(separator: "\n")
    static let single = ReviewCard(id: 7, prompt: "胸が痛いです。どうすればいいですか？", answers: .single(longAnswer))
    static let pair = ReviewCard(id: 8, prompt: "Dose of amoxicillin for otitis media?", answers: .pair(a: "80–90 mg/kg/day", b: "500 mg once"))

    @Test(arguments: [(24, 80), (10, 30), (40, 120), (24, 33), (5, 20), (60, 200)])
    func everyFrameFitsItsSize(rows: Int, columns: Int) {
        var states = [Self.state(Self.single, rows: rows, columns: columns),
                      Self.state(Self.pair, rows: rows, columns: columns),
                      Self.state(nil, rows: rows, columns: columns)]
        for mode in [ReviewMode.harmMenu, .tagMenu, .comment(LineEditor(text: String(repeating: "薬", count: 100))), .help(scroll: 3)] {
            var s = Self.state(Self.single, rows: rows, columns: columns)
            s.mode = mode
            states.append(s)
        }
        for state in states {
            let frame = ReviewView.render(state, guidelines: Self.guidelines)
            #expect(frame.lines.count == rows)
            for line in frame.text { #expect(line.displayWidth <= columns, "\(line)") }
            if let cursor = frame.cursor { #expect(cursor.row < rows && cursor.column < columns) }
        }
    }

    @Test func singleCardAt80x24ShowsPromptKeysAndProgress() {
        let frame = ReviewView.render(Self.state(Self.single), guidelines: Self.guidelines)
        let text = frame.text
        #expect(text[0].contains("tanaka") && text[0].contains("item 7"))
        #expect(text[1] == "PROMPT")
        #expect(text[2] == "  胸が痛いです。どうすればいいですか？")
        #expect(text.contains { $0.contains("c correct  x incorrect") })
        #expect(text[23].contains("3 done today · 7 remaining"))
        #expect(text[20].contains("lines 1–19 of"))
    }

    @Test func pairShowsBothSidesAndPairKeys() {
        let text = ReviewView.render(Self.state(Self.pair), guidelines: Self.guidelines).text
        #expect(text.contains("ANSWER A") && text.contains("ANSWER B"))
        #expect(text.contains("  80–90 mg/kg/day") && text.contains("  500 mg once"))
        #expect(text.contains { $0.contains("a A  b B  t tie  n both bad") })
    }

    @Test func scrollingShowsLaterLinesAndClampsAtTheEnd() {
        var state = Self.state(Self.single)
        let body = ReviewView.body(state)
        let height = ReviewView.bodyHeight(state)
        state.scroll = 5
        #expect(Array(ReviewView.render(state, guidelines: Self.guidelines).text[1...height]) == Array(body[5..<(5 + height)].map(\.text)))
        state.scroll = 10_000  // past the end: the last page is shown
        let last = ReviewView.render(state, guidelines: Self.guidelines).text
        #expect(last[height] == body[body.count - 1].text)
        #expect(ReviewView.maxScroll(state) == body.count - height)
    }

    @Test func commentEditorPlacesTheCursorAfterJapaneseText() {
        var state = Self.state(Self.single)
        state.mode = .comment(LineEditor(text: "投与量"))
        let frame = ReviewView.render(state, guidelines: Self.guidelines)
        #expect(frame.text[21] == "Comment: 投与量")
        #expect(frame.cursor?.row == 21)
        #expect(frame.cursor?.column == "Comment: ".count + 6)
    }

    @Test func helpScreenRendersTheGuidelines() {
        var state = Self.state(Self.single)
        state.mode = .help(scroll: 0)
        let text = ReviewView.render(state, guidelines: Self.guidelines).text
        #expect(text.contains(" Rating guidelines"))
        #expect(text.contains(" • Correct: you would send it unchanged."))
        #expect(text.contains(" 回答を読み、同僚が書いた回答として評価してください。"))
    }

    @Test func ansiFrameDrawsEveryRowOnceAndRestoresStyle() {
        let frame = ReviewView.render(Self.state(Self.pair), guidelines: Self.guidelines)
        let ansi = frame.ansi(columns: 80)
        for row in 1...24 { #expect(ansi.contains("\u{1B}[\(row);1H")) }
        #expect(!ansi.contains("\u{1B}[25;1H"))
        // Drawn on a virtual terminal, the screen reads as the frame's text.
        var screen = VirtualScreen(rows: 24, columns: 80)
        screen.feed(ansi)
        #expect(screen.lines.map { $0.trailingSpacesRemoved } == frame.text.map { $0.trailingSpacesRemoved })
    }

    @Test func redrawSendsOnlyChangedRows() {
        var state = Self.state(Self.single)
        let first = ReviewView.render(state, guidelines: Self.guidelines)
        state.mode = .comment(LineEditor(text: "用量"))
        let second = ReviewView.render(state, guidelines: Self.guidelines)
        let update = second.ansi(columns: 80, previous: first)
        // Then only the comment row and the keys row are sent ...
        #expect(update.components(separatedBy: ";1H").count - 1 == 2)
        // ... and drawing the update over the first frame gives the second frame.
        var screen = VirtualScreen(rows: 24, columns: 80)
        screen.feed(first.ansi(columns: 80))
        screen.feed(update)
        #expect(screen.lines.map { $0.trailingSpacesRemoved } == second.text.map { $0.trailingSpacesRemoved })
    }

    @Test func bundledGuidelinesFileRendersAtEightyColumns() throws {
        let guidelines = Guidelines.load(path: packageRoot + "/feedback/guidelines.md")
        let lines = guidelines.render(columns: 78)
        #expect(lines.count > 40)
        #expect(lines.allSatisfy { $0.text.displayWidth <= 78 })
        #expect(lines.contains { $0.text.contains("日本語のガイドライン") && $0.style == .heading })
        for tag in ReviewTag.allCases { #expect(lines.contains { $0.text.contains(tag.rawValue) }, "\(tag)") }
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
