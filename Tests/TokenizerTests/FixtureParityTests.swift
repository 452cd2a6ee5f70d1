import Foundation
import Testing
@testable import Tokenizer

/// The base model's tokenizer against ids computed by HF tokenizers and llama.cpp.
@Suite struct FixtureParityTests {
    @Test func everyFixtureCaseEncodesToTheReferenceIds() throws {
        let tok = try Fixtures.tokenizer()
        let file = try Fixtures.tokenizerCases()
        #expect(file.cases.count > 0)
        for c in file.cases {
            let ids = tok.encode(c.text)
            #expect(ids == c.ids, "encode \(c.text.debugDescription)")
            #expect(ids.map(tok.tokenString) == c.tokens, "tokens of \(c.text.debugDescription)")
        }
    }

    @Test func everyFixtureCaseDecodesToTheReferenceText() throws {
        let tok = try Fixtures.tokenizer()
        for c in try Fixtures.tokenizerCases().cases {
            #expect(tok.decode(c.ids) == c.decoded, "decode of \(c.text.debugDescription)")
            #expect((tok.decode(c.ids) == c.text) == c.roundtrip_equal)
        }
    }

    @Test func vocabularyAndSpecialTokensMatchTheFixture() throws {
        let tok = try Fixtures.tokenizer()
        let file = try Fixtures.tokenizerCases()
        #expect(tok.vocabSize == file.vocab_size)
        for (text, id) in file.special_ids {
            #expect(tok.tokenId(text) == id)
            #expect(tok.encode(text) == [id])
        }
        #expect(tok.bosTokenId.map(tok.tokenString) == file.bos)
        #expect(tok.eosTokenId.map(tok.tokenString) == file.eos)
        #expect(tok.endOfTurnTokenIds.contains(try #require(tok.tokenId(file.eos))))
    }

    @Test func promptsOfTheModelFixturesEncodeToTheirIds() throws {
        let tok = try Fixtures.tokenizer()
        for p in try Fixtures.promptCases() {
            #expect(tok.encode(p.rendered_prompt) == p.prompt_ids)
            if let response = p.response, let ids = p.response_ids, let eos = tok.eosTokenId {
                #expect(tok.encode(response) + [eos] == ids)
            }
        }
    }
}
