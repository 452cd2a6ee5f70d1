import Foundation
import Testing
import Tokenizer
@testable import Training

/// What SFT learns to end with, on the base model's tokenizer: the last trained position of
/// every assistant turn predicts the end-of-turn token (so the policy learns to stop), and
/// `maxAnswerTokens` keeps only examples whose answers fit the sampling cap.
struct SFTDatasetTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let baseModel = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

    func load(_ lines: [String], maxAnswerTokens: Int? = nil) throws -> SFTDataset {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sft-\(UUID()).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let tokenizer = try BPETokenizer.load(modelPath: Self.baseModel)
        return try SFTDataset.load(file, tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer), maxLength: 512,
                                   overLength: .truncate, maxAnswerTokens: maxAnswerTokens)
    }

    @Test func everyAssistantTurnTrainsItsEndOfTurnToken() throws {
        let tokenizer = try BPETokenizer.load(modelPath: Self.baseModel)
        let endOfTurn = try #require(tokenizer.tokenId("<|im_end|>"))
        let data = try load([
            #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"胸が痛いです。"},{"role":"assistant","content":"緊急度：救急。"}]}"#,
            #"{"messages":[{"role":"user","content":"Q1"},{"role":"assistant","content":"A1."},{"role":"user","content":"Q2"},{"role":"assistant","content":"A2."}]}"#,
        ])
        for (example, turns) in zip(data.examples, [1, 2]) {
            // Position t predicts token t+1: the last position of each trained run predicts <|im_end|>.
            let runEnds = example.targetMask.indices.filter { example.targetMask[$0] && ($0 + 1 == example.targetMask.count || !example.targetMask[$0 + 1]) }
            #expect(runEnds.count == turns)
            for t in runEnds { #expect(Int(example.ids[t + 1]) == endOfTurn, "\(example.source): run ending at \(t)") }
        }
    }

    @Test func answersOverTheBudgetAreDroppedAndReported() throws {
        let long = String(repeating: "Rest and drink fluids. ", count: 20)
        let lines = [
            #"{"messages":[{"role":"user","content":"Cold?"},{"role":"assistant","content":"Rest and drink fluids."}]}"#,
            #"{"messages":[{"role":"user","content":"Flu?"},{"role":"assistant","content":"\#(long)"}]}"#,
            #"{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"Short."},{"role":"user","content":"More?"},{"role":"assistant","content":"\#(long)"}]}"#,
        ]
        #expect(try load(lines).examples.count == 3)
        let kept = try load(lines, maxAnswerTokens: 32)
        #expect(kept.examples.map { $0.source.split(separator: ":").last! } == ["1"])
        #expect(kept.report.overAnswerBudget.count == 2)
        #expect(SFTDataset.longestRun(kept.examples[0].targetMask) <= 32)
    }

    /// `--repeat triage=3`: each example of the category is there three times, the others
    /// once; a line's category must be a string.
    @Test func categoriesAreReadAndRepeated() throws {
        let data = try load([
            #"{"messages":[{"role":"user","content":"胸が痛い"},{"role":"assistant","content":"救急"}],"category":"triage"}"#,
            #"{"messages":[{"role":"user","content":"Dose?"},{"role":"assistant","content":"500 mg."}],"category":"medication"}"#,
            #"{"prompt":"Cough?","completion":"Rest."}"#,
            #"{"prompt":"Rash?","completion":"See a GP.","category":null}"#,
        ])
        #expect(data.examples.map(\.category) == ["triage", "medication", nil, nil])
        let mixed = data.repeating(["triage": 3, "medication": 1])
        #expect(mixed.examples.map(\.category) == ["triage", "triage", "triage", "medication", nil, nil])
        #expect(mixed.categoryCounts == ["triage": 3, "medication": 1, SFTDataset.noCategory: 2])
        #expect(mixed.examples[0] == mixed.examples[2] && mixed.examples[0] == data.examples[0])
        #expect(throws: (any Error).self) {
            try self.load([#"{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"category":3}"#])
        }
    }

    /// The bundled seed set against the main job's 128-token sampling cap: every triage
    /// answer (the answers the triage rule reads) fits in both languages, and some Japanese
    /// answers of every non-document category fit too, so SFT at the cap still teaches
    /// Japanese answers that end (scripts/fit-seed-answers.py shortened them).
    @Test func seedTriageAnswersAndSomeJapaneseAnswersFitTheSamplingCap() throws {
        let file = Self.packageRoot.appendingPathComponent("feedback/seed/sft.jsonl")
        let tokenizer = try BPETokenizer.load(modelPath: Self.baseModel)
        let data = try SFTDataset.load(file, tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer), maxLength: 512,
                                       overLength: .truncate, maxAnswerTokens: 128)
        struct Meta: Decodable { var category: String; var language: String }
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        let meta = try lines.map { try JSONDecoder().decode(Meta.self, from: Data($0.utf8)) }
        let kept = Set(data.examples.map { Int($0.source.split(separator: ":").last!)! })
        let triage = meta.indices.filter { meta[$0].category == "triage" }
        #expect(triage.count == 80)
        #expect(triage.allSatisfy { kept.contains($0 + 1) }, "triage lines over the cap: \(triage.filter { !kept.contains($0 + 1) }.map { $0 + 1 })")
        for category in ["patient-question", "medication"] {
            let japanese = meta.indices.filter { meta[$0].category == category && meta[$0].language == "ja" }
            #expect(japanese.filter { kept.contains($0 + 1) }.count >= 8, "\(category): too few Japanese answers fit 128 tokens")
        }
    }
}
