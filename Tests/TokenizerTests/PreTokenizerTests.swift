import Foundation
import Testing
@testable import Tokenizer

/// The hand-written scanners against the regular expressions they implement, run by ICU
/// (NSRegularExpression), on fixed strings and on seeded random strings.
@Suite struct PreTokenizerTests {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func regexPieces(_ pattern: String, _ text: String, splitDigits: Bool = false) throws -> [String] {
        let re = try NSRegularExpression(pattern: pattern)
        var segments: [String] = []
        if splitDigits {
            var current = ""
            for scalar in text.unicodeScalars {
                if CharClass.classify(scalar) == .number {
                    if !current.isEmpty { segments.append(current) }
                    segments.append(String(scalar))
                    current = ""
                } else {
                    current.unicodeScalars.append(scalar)
                }
            }
            if !current.isEmpty { segments.append(current) }
        } else {
            segments = [text]
        }
        return segments.flatMap { seg -> [String] in
            if splitDigits, seg.unicodeScalars.count == 1, CharClass.classify(seg.unicodeScalars.first!) == .number { return [seg] }
            let ns = seg as NSString
            return re.matches(in: seg, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
        }
    }

    static func scannerPieces(_ pre: PreTokenizer, _ text: String) -> [String] {
        var text = text
        var out: [String] = []
        text.withUTF8 { buf in
            pre.forEachPiece(buf) { s, e in out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[s..<e]), as: UTF8.self)) }
        }
        return out
    }

    static let samples = [
        "Hello, world! It's 2024 and we've got 3.14 reasons.",
        "Multiple   spaces    here\n\n  indented\n\tTab\t end  ",
        "患者は胸痛を訴えて救急外来を受診した。血圧120/80mmHg",
        "don't DON'T they'RE 'll ''s x'y",
        "a  1 b\n\n2 c \n 3 ... !!! ?? 1234567 ١٢٣ Ⅻ ½",
        "  \r\n\r\n  x\r\ny",
        "(x):\n    return x ** 2  # square\n",
        "👩🏽‍⚕️ emoji🩺text 🇯🇵!",
    ]

    static let pool: [Character] = Array("aZé患者あア漢 \t\n\r'’.,!?-(#0123456789٣½🩺sStTmdlLrevV　")

    static func randomStrings(seed: UInt64, count: Int) -> [String] {
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        return (0..<count).map { _ in String((0..<(next() % 24)).map { _ in pool[next() % pool.count] }) }
    }

    @Test func gpt2ScannerMatchesTheRegex() throws {
        let pre = PreTokenizer(pattern: .gpt2)
        for text in Self.samples + Self.randomStrings(seed: 1, count: 2000) {
            #expect(Self.scannerPieces(pre, text) == (try Self.regexPieces(Self.gpt2, text)), "\(text.debugDescription)")
        }
    }

    @Test func digitSplittingScannerMatchesTheRegexOnDigitFreeSegments() throws {
        let pre = PreTokenizer(pattern: .gpt2, splitDigits: true)
        for text in Self.samples + Self.randomStrings(seed: 2, count: 2000) {
            #expect(Self.scannerPieces(pre, text) == (try Self.regexPieces(Self.gpt2, text, splitDigits: true)), "\(text.debugDescription)")
        }
    }

    @Test func llama3AndQwen2ScannersMatchTheirRegexes() throws {
        for (pattern, regex) in [(PreTokenizer.Pattern.llama3(maxDigits: 3), Self.llama3), (.llama3(maxDigits: 1), Self.qwen2)] {
            let pre = PreTokenizer(pattern: pattern)
            for text in Self.samples + Self.randomStrings(seed: 3, count: 2000) {
                #expect(Self.scannerPieces(pre, text) == (try Self.regexPieces(regex, text)), "\(pattern) \(text.debugDescription)")
            }
        }
    }

    @Test func piecesTileTheText() {
        for text in Self.samples {
            #expect(Self.scannerPieces(PreTokenizer(pattern: .gpt2, splitDigits: true), text).joined() == text)
        }
    }
}
