import Foundation
import Testing
@testable import Tokenizer

/// decode(encode(x)) == x on text the fixture does not cover, and the streaming decoder.
@Suite struct RoundTripTests {
    static let texts = [
        "68歳男性。主訴：労作時の息切れ。既往歴に高血圧（アムロジピン5mg内服中）、脂質異常症。",
        "SpO2 92%（室内気）、胸部X線で両側肺門部のうっ血像あり。BNP 850 pg/mL。心不全の増悪と判断し、フロセミド20mgを静注した。",
        "ｶﾀｶﾅ半角、全角ＡＢＣ１２３、〜「」『』【】・…",
        "Emoji: 🩺💊🏥 👩🏽‍⚕️ 🇯🇵 ❤️ 🤒🤕 — and a family 👨‍👩‍👧‍👦.",
        "   \t\t  \n\n   \r\n\u{3000}\u{3000}全角スペース\u{00A0}nbsp  ",
        "tabs\tand\u{000B}vertical\u{000C}feeds\u{0085}next line",
        "Combining: e\u{0301} a\u{0308} か\u{3099} Ω≈ç√∫",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀋𡈽 (four-byte letters) 𝟙𝟚𝟛",
        "I'M SHE'S they'Re 'tis rock'n'roll ''quoted''",
        "<|im_start|><|im_start|>user<|im_end|>partial <|im_ and |im_end|>",
        "",
        " ",
        "\n",
    ]

    @Test(arguments: texts)
    func decodeOfEncodeIsTheText(_ text: String) throws {
        let tok = try Fixtures.tokenizer()
        let ids = tok.encode(text)
        #expect(tok.decode(ids) == text)
        #expect(ids.allSatisfy(tok.contains))
    }

    @Test func streamingDecoderEmitsOnlyWholeCharactersAndAddsUpToTheText() throws {
        let tok = try Fixtures.tokenizer()
        for text in Self.texts {
            var stream = StreamingDecoder(tok)
            var pieces: [String] = []
            for id in tok.encode(text) { pieces.append(stream.append(id)) }
            pieces.append(stream.finish())
            #expect(pieces.joined() == text)
            #expect(!pieces.joined().contains("\u{FFFD}"))
        }
        // "患" is three byte tokens in this vocabulary: nothing shows until the third.
        let ids = tok.encode("患")
        #expect(ids.count == 3)
        var stream = StreamingDecoder(tok)
        #expect(stream.append(ids[0]) == "")
        #expect(stream.append(ids[1]) == "")
        #expect(stream.append(ids[2]) == "患")
    }

    @Test func aTruncatedCharacterDecodesToReplacementNotACrash() throws {
        let tok = try Fixtures.tokenizer()
        let ids = tok.encode("患者")
        #expect(tok.decode(Array(ids.dropLast())).hasSuffix("\u{FFFD}"))
    }

    @Test func anAnswerCutInsideAJapaneseCharacterEndsOnTheCharacterBefore() throws {
        // Given a Japanese answer whose characters are spelled with several byte tokens,
        let tok = try Fixtures.tokenizer()
        let answer = "患者は胸痛を訴えています。すぐに救急車を呼んでください。"
        let ids = tok.encode(answer)
        var cutInside = 0
        for limit in 1...ids.count {
            // when sampling stops after `limit` tokens,
            let kept = Array(ids.prefix(limit))
            if tok.decode(kept).hasSuffix("\u{FFFD}") { cutInside += 1 }
            // then the stored answer is the longest whole-character prefix of the answer,
            let text = tok.decodeWholeCharacters(kept)
            #expect(!text.contains("\u{FFFD}"), "\(limit) tokens")
            #expect(answer.hasPrefix(text), "\(limit) tokens: \(text)")
            #expect(text.count >= tok.decode(kept).count - 1)  // at most the unfinished character is gone
            // and the streamed text adds up to the same.
            var stream = StreamingDecoder(tok)
            let streamed = kept.map { stream.append($0) }.joined() + stream.finish()
            #expect(streamed == text, "\(limit) tokens")
        }
        #expect(cutInside > 5)  // the limits above do fall inside characters
    }

    @Test func completePrefixHandlesEveryUTF8Length() {
        for ch in ["a", "é", "患", "🩺"] {
            let bytes = Array(ch.utf8)
            for cut in 0..<bytes.count {
                #expect(StreamingDecoder.completePrefix(Array(bytes[..<cut])) == 0)
            }
            #expect(StreamingDecoder.completePrefix(bytes) == bytes.count)
            #expect(StreamingDecoder.completePrefix([0x41] + bytes.dropLast()) == 1)  // "A" then an unfinished (or no) character
        }
        #expect(StreamingDecoder.completePrefix([0xFF]) == 1)  // never valid: emitted as U+FFFD
    }

    @Test func skippingSpecialTokensDropsControlTokensOnly() throws {
        let tok = try Fixtures.tokenizer()
        let ids = tok.encode("<|im_start|>user\nHi<|im_end|>\n")
        #expect(tok.decode(ids, skipSpecialTokens: true) == "user\nHi\n")
    }

    @Test func wordCacheGivesTheSameIdsOnRepeatedAndConcurrentEncodes() async throws {
        let tok = try Fixtures.tokenizer()
        let text = Self.texts.joined(separator: " ")
        let first = tok.encode(text)
        let results = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 { group.addTask { tok.encode(text) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == first })
    }
}
