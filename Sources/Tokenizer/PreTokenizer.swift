// Pre-tokenization: the text is cut into words before BPE, and merges never cross a cut.
// Each model family fixes the cuts with a regular expression; this file matches them with
// hand-written scanners over UTF-8 (a regex engine costs more than the BPE itself).
//
// gpt2 (GPT-2, SmolLM2; HF ByteLevel use_regex, llama.cpp LLAMA_VOCAB_PRE_TYPE_GPT2):
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// llama3 (Llama 3, and Qwen2 with one digit per number piece):
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
//   | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// splitDigits puts every \p{N} character in a piece of its own first and runs the regex on
// the text between them (HF `Digits(individual_digits)` before ByteLevel; llama.cpp
// LLAMA_VOCAB_PRE_TYPE_SMOLLM, which is what SmolLM2 names in `tokenizer.ggml.pre`).

/// The cutting rule of a byte-level BPE tokenizer.
public struct PreTokenizer: Sendable, Equatable {
    public enum Pattern: Sendable, Equatable {
        case gpt2
        /// `maxDigits` is 3 for Llama 3 (`\p{N}{1,3}`), 1 for Qwen2 (`\p{N}`).
        case llama3(maxDigits: Int)
    }

    public var pattern: Pattern
    public var splitDigits: Bool

    public init(pattern: Pattern, splitDigits: Bool = false) {
        self.pattern = pattern
        self.splitDigits = splitDigits
    }

    /// Calls `body` with each piece's byte range, in order; the pieces tile `text`.
    @inline(__always)
    func forEachPiece(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        guard splitDigits else {
            scan(text, 0, text.count, body)
            return
        }
        var start = 0
        var i = 0
        while i < text.count {
            let (cls, len) = CharClass.of(text, i)
            if cls == .number {
                if start < i { scan(text, start, i, body) }
                body(i, i + len)
                start = i + len
            }
            i += len
        }
        if start < text.count { scan(text, start, text.count, body) }
    }

    @inline(__always)
    private func scan(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
        switch pattern {
        case .gpt2: scanGPT2(t, start, end, body)
        case let .llama3(maxDigits): scanLlama3(t, start, end, maxDigits, body)
        }
    }

    /// Length of a contraction ('s 't 're 've 'm 'll 'd) at `i`, or 0.
    @inline(__always)
    private func contraction(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, caseless: Bool) -> Int {
        guard t[i] == 0x27, i + 1 < end else { return 0 }
        @inline(__always) func low(_ b: UInt8) -> UInt8 { caseless && b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
        let b1 = low(t[i + 1])
        if b1 == 0x73 || b1 == 0x74 || b1 == 0x6D || b1 == 0x64 { return 2 }  // s t m d
        guard i + 2 < end else { return 0 }
        let b2 = low(t[i + 2])
        if (b1 == 0x72 && b2 == 0x65) || (b1 == 0x76 && b2 == 0x65) || (b1 == 0x6C && b2 == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// End of the run of characters of class `cls` starting at `i`.
    @inline(__always)
    private func run(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ cls: CharClass) -> Int {
        var j = i
        while j < end {
            let (c, len) = CharClass.of(t, j)
            if c != cls { break }
            j += len
        }
        return j
    }

    /// `\s+(?!\S)|\s+` at a whitespace character `i`: the run, less its last character when
    /// a non-space follows and the run is longer than one character.
    @inline(__always)
    private func whitespace(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var j = i
        var last = i
        while j < end {
            let (c, len) = CharClass.of(t, j)
            if c != .space { break }
            last = j
            j += len
        }
        return j == end || last == i ? j : last
    }

    private func scanGPT2(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
        var i = start
        while i < end {
            let c = contraction(t, i, end, caseless: false)
            if c > 0 {
                body(i, i + c)
                i += c
                continue
            }
            var (cls, len) = CharClass.of(t, i)
            var p = i
            if t[i] == 0x20, i + 1 < end {  // ` ?` before a letter, number or symbol run
                let next = CharClass.of(t, i + 1).0
                if next != .space {
                    cls = next
                    p = i + 1
                    len = 0
                }
            }
            let j = cls == .space ? whitespace(t, i, end) : run(t, p + len, end, cls)
            body(i, j)
            i = j
        }
    }

    private func scanLlama3(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ maxDigits: Int,
                            _ body: (Int, Int) -> Void) {
        var i = start
        while i < end {
            let c = contraction(t, i, end, caseless: true)
            if c > 0 {
                body(i, i + c)
                i += c
                continue
            }
            let (cls, len) = CharClass.of(t, i)
            let isNewline = t[i] == 0x0A || t[i] == 0x0D
            var j: Int
            if cls == .letter {
                j = run(t, i + len, end, .letter)  // \p{L}+
            } else if cls != .number, !isNewline, i + len < end, CharClass.of(t, i + len).0 == .letter {
                j = run(t, i + len, end, .letter)  // [^\r\n\p{L}\p{N}]\p{L}+
            } else if cls == .number {
                j = i + len  // \p{N}{1,maxDigits}
                var n = 1
                while n < maxDigits, j < end {
                    let (c2, l2) = CharClass.of(t, j)
                    if c2 != .number { break }
                    j += l2
                    n += 1
                }
            } else if cls == .other || (t[i] == 0x20 && i + 1 < end && CharClass.of(t, i + 1).0 == .other) {
                j = run(t, cls == .other ? i + len : i + 1, end, .other)  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                while j < end, t[j] == 0x0A || t[j] == 0x0D { j += 1 }
            } else {
                // whitespace: `\s*[\r\n]+` ends after the run's last newline, if it has one
                j = i
                var afterNewline = -1
                while j < end {
                    let (c2, l2) = CharClass.of(t, j)
                    if c2 != .space { break }
                    if t[j] == 0x0A || t[j] == 0x0D { afterNewline = j + 1 }
                    j += l2
                }
                j = afterNewline > 0 ? afterNewline : whitespace(t, i, end)
            }
            body(i, j)
            i = j
        }
    }
}

/// The character classes the patterns distinguish: \p{L}, \p{N}, \s (Unicode White_Space)
/// and everything else.
enum CharClass: UInt8 {
    case other = 0, letter = 1, number = 2, space = 3

    /// Classes of U+0000…U+FFFF, built once (~65 k property lookups); other planes are
    /// looked up per character.
    private static let bmp: [CharClass] = (0..<0x10000).map { v in
        guard let s = Unicode.Scalar(UInt32(v)) else { return .other }  // surrogates
        return classify(s)
    }

    static func classify(_ s: Unicode.Scalar) -> CharClass {
        let p = s.properties
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Class and UTF-8 length of the character starting at byte `i` of valid UTF-8.
    @inline(__always)
    static func of(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (CharClass, Int) {
        let b0 = UInt32(t[i])
        if b0 < 0x80 { return (bmp[Int(b0)], 1) }
        if b0 < 0xE0 {
            return (bmp[Int((b0 & 0x1F) << 6 | UInt32(t[i + 1] & 0x3F))], 2)
        }
        if b0 < 0xF0 {
            let v = (b0 & 0x0F) << 12 | UInt32(t[i + 1] & 0x3F) << 6 | UInt32(t[i + 2] & 0x3F)
            return (bmp[Int(v)], 3)
        }
        let v = (b0 & 0x07) << 18 | UInt32(t[i + 1] & 0x3F) << 12 | UInt32(t[i + 2] & 0x3F) << 6 | UInt32(t[i + 3] & 0x3F)
        return (Unicode.Scalar(v).map(classify) ?? .other, 4)
    }
}
