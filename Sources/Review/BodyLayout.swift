// The body of a card (prompt, then the answer or answers A and B) wrapped for a width,
// with where each answer ends, so the session can tell whether the reviewer has had every
// answer on screen to its last line.
//
// Wrapping is the one step whose cost grows with the answer: a 5 MB answer is tens of
// thousands of lines. A card wraps once per width (`ReviewCard.layout(width:)` keeps the
// latest), so paging, redrawing after a key and the session's checks only slice the lines.

import Synchronization

public struct BodyLayout: Sendable {
    public var lines: [StyledLine]
    /// Index in `lines` of the last line of each answer: one for a single answer, A then B
    /// for a pair.
    public var answerEnds: [Int]
    /// The answers' names as the reviewer reads them ("the answer", "answer A", "answer B").
    public var answerNames: [String]

    /// Wraps `card` for `width` columns (the text is indented by two).
    public init(card: ReviewCard, width: Int) {
        var lines: [StyledLine] = []
        var ends: [Int] = []
        func section(_ title: String, _ text: String) {
            lines.append(StyledLine(title, .heading))
            lines += TextWrap.wrap(text, width: width - 2).map { StyledLine("  " + $0) }
            ends.append(lines.count - 1)
            lines.append(StyledLine(""))
        }
        section("PROMPT", card.prompt)
        ends.removeAll()  // the prompt is not an answer
        switch card.answers {
        case .single(let answer):
            section("ANSWER", answer)
            answerNames = ["the answer"]
        case .pair(let a, let b):
            section("ANSWER A", a)
            section("ANSWER B", b)
            answerNames = ["answer A", "answer B"]
        }
        self.lines = lines
        self.answerEnds = ends
    }
}

/// The latest layout of one card, shared by the copies of the card (a reference, so
/// copying state around neither copies nor loses it).
final class LayoutMemo: Sendable {
    private let latest = Mutex<(width: Int, layout: BodyLayout)?>(nil)

    func layout(for card: ReviewCard, width: Int) -> BodyLayout {
        latest.withLock { memo in
            if let memo, memo.width == width { return memo.layout }
            let fresh = BodyLayout(card: card, width: width)
            memo = (width, fresh)
            return fresh
        }
    }
}
