import Foundation
import Generation
import Testing
import Tokenizer

/// Sampled answers end on a character boundary, whatever token the limit falls on.
@Suite struct AnswerBoundaryTests {
    @Test func aJapaneseAnswerCutAtTheTokenLimitEndsOnAWholeCharacter() throws {
        // Given the base model answering in Japanese (greedy), whose kana take several byte tokens,
        let model = try TestSupport.baseModel()
        let tokenizer = try BPETokenizer.load(modelPath: TestSupport.baseModelURL)
        let chat = ChatModel(model: model, tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer))
        let conversation = [ChatMessage(role: "user", content: "日本語で答えてください。頭痛の原因は何ですか？")]
        let full = try chat.generate(conversations: [conversation], samplesPerPrompt: 1,
                                     parameters: SamplingParameters(temperature: 0, maxNewTokens: 6))[0]
        var cutInside = 0
        for limit in 1...5 {
            // when sampling stops after `limit` tokens,
            var streamed = ""
            let sample = try chat.generate(conversations: [conversation], samplesPerPrompt: 1,
                                           parameters: SamplingParameters(temperature: 0, maxNewTokens: limit),
                                           onText: { _, _, piece in streamed += piece })[0]
            if tokenizer.decode(sample.tokenIDs.map(Int.init)).hasSuffix("\u{FFFD}") { cutInside += 1 }
            // then the answer has no replacement character, is a prefix of the longer answer,
            // and is exactly what was streamed.
            #expect(!sample.text.contains("\u{FFFD}"), "\(limit): \(sample.text)")
            #expect(full.text.hasPrefix(sample.text), "\(limit): \(sample.text) / \(full.text)")
            #expect(streamed == sample.text, "\(limit)")
        }
        #expect(cutInside >= 2, "the limits should fall inside characters: \(full.text)")
    }
}
