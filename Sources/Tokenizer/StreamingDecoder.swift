// Tokens split characters: "患" is three bytes and SmolLM2 spells it with three tokens.
// A terminal printing tokens one at a time must hold bytes back until a character is
// complete; this decoder emits the longest complete UTF-8 prefix and keeps the rest.

/// Turns a stream of token ids into text, emitting only whole characters.
///
///     var stream = StreamingDecoder(tokenizer)
///     for id in generated { print(stream.append(id), terminator: "") }
///     print(stream.finish())
public struct StreamingDecoder {
    public let tokenizer: BPETokenizer
    public var skipSpecialTokens: Bool
    private var pending: [UInt8] = []

    public init(_ tokenizer: BPETokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The text completed by token `id` ("" while a character is still incomplete).
    public mutating func append(_ id: Int) -> String {
        if skipSpecialTokens, tokenizer.specialTokenIds.contains(id) { return "" }
        tokenizer.appendBytes(of: id, to: &pending)
        let complete = Self.completePrefix(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is left at the end of the stream. A character still unfinished (generation
    /// stopped inside it) is dropped, as `BPETokenizer.decodeWholeCharacters` drops it from
    /// the stored answer, so what was streamed is what is stored.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending[..<Self.completePrefix(pending)], as: UTF8.self)
    }

    /// Length of the prefix of `bytes` that does not end inside a UTF-8 sequence that may
    /// still be completed. Invalid bytes count as complete (they decode to U+FFFD now).
    static func completePrefix(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
        var i = n - 1
        while i >= 0, i >= n - 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {  // a lead byte (or ASCII)
                let need: Int
                switch b {
                case 0xC2...0xDF: need = 2
                case 0xE0...0xEF: need = 3
                case 0xF0...0xF4: need = 4
                default: need = 1  // ASCII, or a byte that can never start a sequence
                }
                return i + need > n ? i : n
            }
            i -= 1
        }
        return n
    }
}
