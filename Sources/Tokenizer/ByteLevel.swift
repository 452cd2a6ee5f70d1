// Byte-level BPE spells every byte as a printable character so that vocabularies can be
// stored as text (GPT-2 `bytes_to_unicode`, openai/gpt-2 `encoder.py`): the printable
// Latin-1 bytes stand for themselves, the other 68 bytes are shifted to U+0100… in order.
// "Ġ" (U+0120) is the space byte 0x20, "Ċ" (U+010A) is the newline byte 0x0A.

enum ByteLevel {
    /// `scalarOfByte[b]` is the character that spells byte `b` in vocabulary strings.
    static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var shifted: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = shifted
                shifted += 1
            }
        }
        return table
    }()

    /// The inverse: the byte spelled by a scalar below U+0144, or nil.
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarOfByte.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The raw bytes a byte-level vocabulary string stands for, or nil when the string holds
    /// a character outside the byte alphabet (added tokens such as "<|im_start|>" are
    /// spelled with printable ASCII and so decode to themselves).
    static func bytes(ofTokenString token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < byteOfScalar.count, byteOfScalar[v] >= 0 else { return nil }
            out.append(UInt8(byteOfScalar[v]))
        }
        return out
    }
}
