// SentencePiece-style BPE (Kudo & Richardson 2018, arXiv 1808.06226), as Gemma ships it:
// spaces are spelled "▁" (U+2581) in the vocabulary, there is no pre-tokenization (a whole
// stretch of text between added tokens is one word), merges start from Unicode characters,
// and a character the vocabulary lacks is spelled by its UTF-8 bytes as the byte tokens
// "<0x00>"…"<0xFF>" (byte fallback). Hugging Face's tokenizer.json writes it as a BPE model
// with `byte_fallback`, a Replace(" " → "▁") normalizer and a ByteFallback decoder; a GGUF
// (`tokenizer.ggml.model` = "llama") stores the pieces with scores instead of merges, and
// llama.cpp merges the adjacent pair whose concatenation is the piece of highest score.

/// Which family of subword tokenizer a `BPETokenizer` is.
public enum TokenizerKind: String, Sendable, Codable {
    /// GPT-2-style: text cut into words by a regular expression, words spelled as bytes
    /// (SmolLM2, Llama 3, Qwen2).
    case byteLevelBPE = "byte-level BPE"
    /// SentencePiece-style: characters, "▁" for spaces, byte fallback (Gemma).
    case sentencePieceBPE = "SentencePiece BPE"
}

enum SentencePiece {
    /// "▁" in UTF-8.
    static let metaspace: [UInt8] = [0xE2, 0x96, 0x81]

    /// The byte a byte-fallback token stands for: "<0x0A>" → 0x0A; nil for other tokens.
    static func byteValue(ofToken token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E,
              let hi = hexDigit(u[3]), let lo = hexDigit(u[4]) else { return nil }
        return hi << 4 | lo
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// The text bytes of a piece: its UTF-8 with every "▁" read as a space.
    static func textBytes(ofPiece piece: String) -> [UInt8] {
        replacingMetaspace(Array(piece.utf8))
    }

    /// `bytes` with every "▁" replaced by a space (the tokenizer's normalizer, run backwards:
    /// spaces and "▁" in the input both become the vocabulary's "▁").
    static func replacingMetaspace(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var i = 0
        let n = bytes.count
        while i < n {
            if bytes[i] == 0xE2, i + 2 < n, bytes[i + 1] == 0x96, bytes[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
    }

    static func replacingMetaspace(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        bytes.withUnsafeBufferPointer { replacingMetaspace($0, into: &out) }
        return out
    }

    /// The merges a SentencePiece BPE vocabulary implies: every split of a piece (at a
    /// character boundary) into two pieces, ranked by the score of the piece — higher first;
    /// equal scores share a rank, so that the leftmost pair merges first, as in llama.cpp's
    /// `llm_tokenizer_spm`. Tokens for which `isPiece` is false (control, byte and
    /// user-defined tokens) are neither parts nor results.
    static func mergesByScore(tokens: [String], scores: [Float], isPiece: (Int) -> Bool) -> [(left: Int32, right: Int32, merged: Int32, rank: Int32)] {
        let spelled = tokens.map { Array($0.utf8) }
        var index = ByteStringTable(capacity: tokens.count)
        for (id, s) in spelled.enumerated() where isPiece(id) && index.find(s) == nil { index.insert(s, value: id) }
        // Dense rank of each distinct score, highest first.
        let distinct = Array(Set(tokens.indices.filter(isPiece).map { scores[$0] })).sorted(by: >)
        var rankOfScore: [Float: Int32] = [:]
        for (r, s) in distinct.enumerated() { rankOfScore[s] = Int32(r) }
        var out: [(left: Int32, right: Int32, merged: Int32, rank: Int32)] = []
        for (id, s) in spelled.enumerated() where isPiece(id) && s.count > 1 {
            s.withUnsafeBufferPointer { b in
                for k in 1..<b.count where b[k] & 0xC0 != 0x80 {
                    guard let l = index.find(UnsafeBufferPointer(rebasing: b[..<k])),
                          let r = index.find(UnsafeBufferPointer(rebasing: b[k...])) else { continue }
                    out.append((Int32(l), Int32(r), Int32(id), rankOfScore[scores[id]]!))
                }
            }
        }
        out.sort { ($0.rank, $0.merged) < ($1.rank, $1.merged) }
        return out
    }
}
