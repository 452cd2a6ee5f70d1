import Foundation
import GRDB
import Testing
@testable import FeedbackStore
@testable import Review

/// A gold card is the same card as any other: drawn by the same query, shown by the same view.
@Suite struct GoldCardTests {
    @Test func aGoldCardLooksExactlyLikeAnOrdinaryOne() throws {
        let store = try FeedbackStore.inMemory()
        try store.addReviewer(name: "lead", role: .lead, by: store.actor(login: "lead"))
        try store.setGoldSettings(share: 0, minAccuracy: nil, by: store.actor(login: "lead"))
        // The same question and answer text, once as an ordinary answer of v1 and once as gold.
        let text = "発熱が3日続き、咳もあります。受診すべきですか？"
        let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: text)]).prompt
        try store.addSample(promptID: prompt.id!, policy: "v1", text: "はい、今日中に受診してください。")
        try store.enqueueJudgments(overlap: 1)
        let gold = try store.addGoldItems([NewGoldItem(prompt: try PromptKey(text: text), answer: "はい、今日中に受診してください。", verdict: .correct)],
                                          by: store.actor(login: "lead"))
        try store.write { db in
            try db.execute(sql: "INSERT INTO review_items (kind, prompt_id, sample_id, overlap, claimed, created_at, gold_id) VALUES ('judgment', ?, ?, 1, 0, ?, ?)",
                           arguments: [gold[0].promptID, gold[0].sampleID, Date(), gold[0].id])
        }
        try store.registerReviewer(name: "tanaka", displayName: "田中")
        let backend = try StoreReviewBackend(store: store, reviewer: "tanaka", dayStart: { .distantPast })
        let session = ReviewSession(backend: backend, reviewer: "田中", guidelines: Guidelines(path: "guidelines.md", markdown: ""), clock: { 100 })
        try session.start()
        let ordinary = ReviewView.render(session.state, guidelines: session.guidelines).text
        _ = try session.handle(.char("c"))
        let goldFrame = ReviewView.render(session.state, guidelines: session.guidelines).text
        #expect(session.state.card?.itemNumber == 2)
        // Everything but the item number, the counts and the "Saved" message is the same.
        func normalised(_ lines: [String]) -> [String] {
            lines.map { $0.replacingOccurrences(of: "item 1", with: "item N").replacingOccurrences(of: "item 2", with: "item N") }
        }
        let body = 1..<20
        #expect(normalised(Array(ordinary[body])) == normalised(Array(goldFrame[body])))
        #expect(normalised([ordinary[0]]) == normalised([goldFrame[0]]))
        #expect(ordinary.last!.contains("0 done today · 2 remaining") && goldFrame.last!.contains("1 done today · 1 remaining"))
    }
}
