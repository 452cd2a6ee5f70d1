import Foundation
import Testing
@testable import Privacy

/// Offsets, placeholders and merging.
@Suite struct SpanTests {
    let scrubber = Scrubber.standard

    @Test func offsetsAreUTF8BytesAndCharactersOfTheInput() throws {
        let text = "👩‍⚕️メモ：患者 山田太郎 090-1234-5678"
        let result = scrubber.scrub(text)
        #expect(result.text == "👩‍⚕️メモ：患者 〔氏名〕 [PHONE]")
        #expect(result.spans.map(\.kind) == [.name, .phone])
        let utf8 = Array(text.utf8)
        for span in result.spans {
            #expect(String(decoding: utf8[span.utf8Start..<span.utf8End], as: UTF8.self) == span.text)
            let characters = Array(text)
            #expect(String(characters[span.characterStart..<span.characterEnd]) == span.text)
        }
        #expect(result.spans[0].characterStart == 7)   // the emoji (five scalars) is one Character
    }

    @Test func namePlaceholderFollowsTheLanguageOfTheLine() {
        let result = scrubber.scrub("Mr Tanaka called.\n田中さんより電話。")
        #expect(result.text == "Mr [NAME] called.\n〔氏名〕さんより電話。")
    }

    @Test func aLongTextWithManySpansIsScrubbedInOnePass() {
        // 2,000 lines alternating Japanese and English, each with a name and a phone number
        let lines = (0..<2_000).map { i in i % 2 == 0 ? "患者 山田太郎 090-1234-\(String(format: "%04d", i))" : "Mr Smith, call 020 7946 \(String(format: "%04d", i))" }
        let result = scrubber.scrub(lines.joined(separator: "\n"))
        let out = result.text.split(separator: "\n")
        #expect(result.spans.count == 4_000)
        #expect(out[0] == "患者 〔氏名〕 [PHONE]" && out[1] == "Mr [NAME], call [PHONE]" && out[1_998] == "患者 〔氏名〕 [PHONE]")
    }

    @Test func scrubbingTwiceChangesNothingMore() {
        for text in ["患者 山田太郎 090-1234-5678、生年月日 昭和31年3月5日", "Dr Smith, MRN 1234567, DOB 03/14/1956, j@example.com"] {
            let once = scrubber.scrub(text).text
            #expect(scrubber.scrub(once).text == once)
        }
    }

    @Test func overlappingDetectionsBecomeOneSpan() {
        let merged = SpanMerger.merge([
            Candidate(start: 0, end: 5, kind: .id), Candidate(start: 3, end: 12, kind: .phone), Candidate(start: 20, end: 22, kind: .name),
        ])
        #expect(merged == [Candidate(start: 0, end: 12, kind: .phone), Candidate(start: 20, end: 22, kind: .name)])
    }

    @Test func configuredRecordPatternsAreUsedAndBadOnesNamed() throws {
        let custom = try Scrubber(configuration: ScrubberConfiguration(recordPatterns: [#"\bRX\d{4}\b"#]))
        #expect(custom.scrub("order RX1234 filled").text == "order [ID] filled")
        #expect(throws: ScrubberConfigurationError.self) { try Scrubber(configuration: ScrubberConfiguration(recordPatterns: ["(unclosed"])) }
    }

    @Test func emptyAndPlainTextComeBackAsTheyWere() {
        #expect(scrubber.scrub("").isUnchanged)
        #expect(scrubber.scrub("異常なし").text == "異常なし")
    }
}
