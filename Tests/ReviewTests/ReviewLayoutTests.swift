import FeedbackStore
import Testing
@testable import Review
import Support

/// The screen at every width from the minimum up: nothing the reviewer needs is cut off.
@Suite struct ReviewLayoutTests {
    static let guidelines = ReviewViewTests.guidelines

    /// Each mode's way out, which must be on screen at any width.
    static let exits: [(ReviewMode, String)] = [
        (.rating, "q quit"), (.harmMenu, "Esc back"), (.tagMenu, "Enter done"),
        (.comment(LineEditor(text: "用量")), "Esc cancel"), (.help(scroll: 0), "q, Esc or ? back"),
        (.rubric(axis: 0), "Enter done"), (.correction(CorrectionEditor(text: "用量を減らす")), "Esc cancel"),
    ]

    @Test(arguments: [30, 33, 40, 50, 60, 70, 80, 120])
    func everyModeKeepsItsWayOutAndItsItemNumber(columns: Int) {
        for card in [ReviewViewTests.single, ReviewViewTests.pair] {
            for (mode, exit) in Self.exits {
                var state = ReviewViewTests.state(card, columns: columns)
                state.mode = mode
                state.message = "Scroll to the end of answer B before rating (PgDn/space)."
                let text = ReviewView.render(state, guidelines: Self.guidelines).text
                #expect(text.contains { $0.contains(exit) }, "\(columns) \(mode): \(text)")
                for line in text { #expect(line.displayWidth <= columns) }
                if case .help = mode { continue }
                #expect(text[0].contains("item \(card.itemNumber) · "), "\(columns): \(text[0])")
                if mode == .rating {
                    #expect(text.joined(separator: " ").contains("Scroll to the end of answer B before rating (PgDn/space)."), "\(columns)")
                }
            }
        }
    }

    @Test func theLegendWrapsBetweenKeysAndTheBodyGivesWay() {
        let wide = ReviewViewTests.state(ReviewViewTests.single, columns: 80)
        let narrow = ReviewViewTests.state(ReviewViewTests.single, columns: 60)
        #expect(ReviewView.bodyHeight(wide) == 19)
        #expect(ReviewView.bodyHeight(narrow) == 18)
        let text = ReviewView.render(narrow, guidelines: Self.guidelines).text
        #expect(Array(text[21...22]) == ["c correct  x incorrect  s skip  u undo  e edit  r rubric", "g tags  m note  q quit"])
        #expect(ReviewChrome.flow(["ab", "cd", "ef"], columns: 6) == ["ab  cd", "ef"])
    }

    @Test(arguments: [30, 45, 60, 80, 100])
    func aLongOrHostileNameIsCutByDisplayWidth(columns: Int) {
        for name in ["佐藤", String(repeating: "長谷川", count: 20), "Dr \u{202E}X " + String(repeating: "a", count: 90)] {
            var state = ReviewViewTests.state(ReviewViewTests.pair, columns: columns)
            state.reviewer = name
            let title = ReviewChrome.titleBar(state).text
            #expect(title.displayWidth <= columns)
            #expect(title.contains(" · item 8 · pair"), "\(columns): \(title)")
            #expect(!title.unicodeScalars.contains("\u{202E}"))
            if name == "佐藤" { #expect(title.contains("佐藤") && !title.contains("…")) } else { #expect(title.contains("…")) }
        }
    }

    @Test func wrappedListItemsJoinTheirLinesUnderAHangingIndent() {
        let guidelines = Guidelines(path: "g.md", markdown: """
            - **Correct**: you would send it
              unchanged to the asker.
            1. 胸痛が腕に広がる場合は
               救急受診を勧めること。
            After the list.
            """)
        #expect(guidelines.render(columns: 20).map(\.text) == [
            "• Correct: you would",
            "  send it unchanged",
            "  to the asker.",
            "1. 胸痛が腕に広がる",
            "   場合は救急受診を",
            "   勧めること。",
            "   After the list.",  // a line without a marker continues the item, as in Markdown
        ])
    }

    @Test func aCardWrapsOncePerWidth() {
        let card = ReviewCard(id: 1, prompt: "p", answers: .single(String(repeating: "胸痛。", count: 100)))
        let first = card.layout(width: 40)
        let again = card.layout(width: 40)
        #expect(first.lines.withUnsafeBufferPointer { $0.baseAddress } == again.lines.withUnsafeBufferPointer { $0.baseAddress })
        #expect(card.layout(width: 60).lines.count < first.lines.count)
        #expect(first.answerEnds == [first.lines.count - 2])
        #expect(first.lines[first.answerEnds[0]].text.hasSuffix("胸痛。"))
    }
}
