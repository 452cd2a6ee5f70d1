import Foundation
import GRDB
import Testing
@testable import FeedbackStore

@Suite struct ImportTests {
    func write(_ lines: [String], _ name: String = "prompts.jsonl") throws -> URL {
        let url = try temporaryFolder().appendingPathComponent(name)
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(arguments: StoreKind.allCases)
    func acceptsPlainTRLAndSeedShapesAndSkipsDuplicates(_ kind: StoreKind) throws {
        // Given a file mixing plain, TRL conversational and seed SFT lines, with a duplicate
        let store = try makeStore(kind)
        let url = try write([
            #"{"prompt": "発熱が3日続いています。受診すべきですか？"}"#,
            #"{"prompt": [{"role": "system", "content": "You are a careful clinician."}, {"role": "user", "content": "Dose of paracetamol?"}]}"#,
            "",
            #"{"messages": [{"role": "user", "content": "胸が痛い"}, {"role": "assistant", "content": "いつからですか？"}, {"role": "user", "content": "昨日から"}, {"role": "assistant", "content": "救急へ"}]}"#,
            #"{"prompt": "発熱が3日続いています。受診すべきですか？"}"#,
        ])

        // When it is imported twice
        let first = try store.importPrompts(from: url)
        let second = try store.importPrompts(from: url)

        // Then three prompts are stored once each; the seed's prompt ends at its last user turn
        #expect(first == ImportSummary(added: 3, duplicates: 1, identifiersReplaced: 0))
        #expect(second == ImportSummary(added: 0, duplicates: 4, identifiersReplaced: 0))
        let prompts = try store.reader.read { db in try Prompt.order(Prompt.Columns.id).fetchAll(db) }
        #expect(prompts.map(\.text) == ["発熱が3日続いています。受診すべきですか？", "Dose of paracetamol?", "昨日から"])
        #expect(prompts[2].messages.count == 3 && prompts[1].messages[0].role == "system")
    }

    @Test(arguments: StoreKind.allCases)
    func aBadLineImportsNothingAndNamesFileAndLine(_ kind: StoreKind) throws {
        // Given a file whose third line has no user turn
        let store = try makeStore(kind)
        let url = try write([
            #"{"prompt": "one"}"#,
            #"{"prompt": "two"}"#,
            #"{"prompt": [{"role": "assistant", "content": "hi"}]}"#,
        ], "bad.jsonl")

        // When it is imported, Then the error names bad.jsonl:3 and nothing is stored
        do {
            try store.importPrompts(from: url)
            Issue.record("expected an error")
        } catch let error as FeedbackStoreError {
            guard case .badLine(let file, let line, let reason) = error else { Issue.record("\(error)"); return }
            #expect(file == "bad.jsonl" && line == 3 && reason.contains("ends with a user turn"))
        }
        #expect(try store.reader.read { db in try Prompt.fetchCount(db) } == 0)
        // And invalid JSON is reported the same way
        let broken = try write([#"{"prompt": "ok"}"#, #"{"prompt": "#], "broken.jsonl")
        #expect(throws: FeedbackStoreError.badLine(file: "broken.jsonl", line: 2, reason: "not valid JSON")) {
            try store.importPrompts(from: broken)
        }
    }

    @Test func splitIsDeterministicFromTheHash() throws {
        // Given 2,000 distinct prompts
        let keys = try (0..<2000).map { try PromptKey(text: "prompt \($0)") }

        // Then the same text always lands in the same split, and about 10% are held out
        #expect(try keys.map { $0.split(heldOutFraction: 0.1) } == keys.map { try PromptKey(text: $0.text).split(heldOutFraction: 0.1) })
        let heldOut = keys.filter { $0.split(heldOutFraction: 0.1) == .heldout }.count
        // Binomial(2000, 0.1): mean 200, sd 13.4; ±5 sd
        #expect(abs(heldOut - 200) < 67)
        #expect(keys.allSatisfy { $0.split(heldOutFraction: 0) == .train })
    }

    @Test(arguments: StoreKind.allCases)
    func importsSamplesWithTheirSamplingParameters(_ kind: StoreKind) throws {
        // Given answers of two policy versions, one conversational completion, one duplicate
        let store = try makeStore(kind)
        let url = try write([
            #"{"prompt": "頭痛", "policy": "v1", "completion": "休んでください", "token_count": 5, "logprob_sum": -7.25, "temperature": 0.7, "seed": 42}"#,
            #"{"prompt": "頭痛", "policy": "v2", "completion": [{"role": "assistant", "content": "水分を"}], "top_p": 0.9, "top_k": 40}"#,
            #"{"prompt": "頭痛", "policy": "v1", "text": "休んでください"}"#,
        ], "samples.jsonl")

        // When imported
        let summary = try store.importSamples(from: url)

        // Then two answers, one prompt and two policies exist, with the parameters kept
        #expect(summary == ImportSummary(added: 2, duplicates: 1, promptsAdded: 1, identifiersReplaced: 0))
        let samples = try store.reader.read { db in try Sample.order(Sample.Columns.id).fetchAll(db) }
        #expect(samples.count == 2 && samples[0].tokenCount == 5 && samples[0].logprobSum == -7.25 && samples[0].seed == 42)
        #expect(samples[1].text == "水分を" && samples[1].topK == 40 && samples[1].topP == 0.9)
        #expect(try store.policies().map(\.name) == ["v1", "v2"])
        // And a missing policy is rejected with the line
        let bad = try write([#"{"prompt": "x", "completion": "y"}"#], "nopolicy.jsonl")
        #expect(throws: FeedbackStoreError.self) { try store.importSamples(from: bad) }
    }
}
