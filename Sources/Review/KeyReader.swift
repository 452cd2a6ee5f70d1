// Keys from raw terminal bytes: UTF-8 text (Japanese from an input method arrives as
// multibyte sequences, possibly split across reads), control keys, and the escape
// sequences xterm-compatible terminals send for arrows and paging (ECMA-48 CSI and SS3).

/// One key press.
public enum Key: Equatable, Sendable {
    case char(Unicode.Scalar)  // printable text, one scalar at a time
    case enter, backspace, tab, escape, delete
    case up, down, left, right, pageUp, pageDown, home, end
    case interrupt              // Ctrl-C
    case endOfInput             // Ctrl-D
    case control(UInt8)         // other Ctrl-letter keys, as the letter's byte ("a" = 0x61)
}

/// Turns a byte stream into keys. Incomplete UTF-8 and escape sequences are kept until
/// the next bytes arrive; a lone ESC is only known to be the Escape key when no more
/// bytes follow promptly, so the reader calls `flush()` after a short wait.
public struct KeyParser: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Whether bytes are waiting for the rest of a sequence.
    public var hasPending: Bool { !pending.isEmpty }

    public mutating func feed<S: Sequence>(_ bytes: S) -> [Key] where S.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        while let (key, length) = Self.parse(pending[...]) {
            pending.removeFirst(length)
            if let key { keys.append(key) }
        }
        return keys
    }

    /// Emits whatever is pending as complete: a lone ESC becomes `.escape`; a truncated
    /// sequence or invalid UTF-8 is dropped.
    public mutating func flush() -> [Key] {
        defer { pending.removeAll() }
        if pending.first == 0x1B {
            // ESC followed by a printable key is Alt+key in most terminals: keep the key.
            let rest = pending.dropFirst()
            var keys: [Key] = [.escape]
            var again = KeyParser()
            keys += again.feed(rest)
            return keys
        }
        return []
    }

    /// Parses one key at the start of `bytes`: nil when more bytes are needed, otherwise
    /// the key (nil for an ignored sequence) and how many bytes it used.
    static func parse(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        guard let first = bytes.first else { return nil }
        switch first {
        case 0x1B: return parseEscape(bytes)
        case 0x0D, 0x0A: return (.enter, 1)
        case 0x7F, 0x08: return (.backspace, 1)
        case 0x09: return (.tab, 1)
        case 0x03: return (.interrupt, 1)
        case 0x04: return (.endOfInput, 1)
        case 0x00..<0x20: return (.control(first + 0x60), 1)
        case 0x20..<0x80: return (.char(Unicode.Scalar(first)), 1)
        default: return parseUTF8(bytes)
        }
    }

    static func parseUTF8(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        let first = bytes.first!
        let length: Int
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return (nil, 1)  // stray continuation or invalid lead byte
        }
        var value = UInt32(first) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let index = bytes.startIndex + offset
            guard index < bytes.endIndex else { return nil }
            let byte = bytes[index]
            guard byte & 0xC0 == 0x80 else { return (nil, offset) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return (nil, length) }
        return (.char(scalar), length)
    }

    static func parseEscape(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        let s = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        let second = bytes[s + 1]
        if second == 0x4F {  // SS3: ESC O A (arrows in application cursor mode)
            guard bytes.count >= 3 else { return nil }
            let keys: [UInt8: Key] = [0x41: .up, 0x42: .down, 0x43: .right, 0x44: .left, 0x48: .home, 0x46: .end]
            return (keys[bytes[s + 2]], 3)
        }
        guard second == 0x5B else { return (.escape, 1) }  // ESC then another key
        // CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final byte 0x40–0x7E.
        var index = s + 2
        while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) { index += 1 }
        guard index < bytes.endIndex else { return nil }
        let final = bytes[index]
        let length = index - s + 1
        let parameters = String(decoding: bytes[(s + 2)..<index], as: UTF8.self)
        let first = parameters.split(separator: ";").first.map(String.init) ?? ""
        switch final {
        case 0x41: return (.up, length)
        case 0x42: return (.down, length)
        case 0x43: return (.right, length)
        case 0x44: return (.left, length)
        case 0x48: return (.home, length)
        case 0x46: return (.end, length)
        case 0x7E:
            let keys: [String: Key] = ["1": .home, "7": .home, "4": .end, "8": .end, "3": .delete, "5": .pageUp, "6": .pageDown]
            return (keys[first], length)
        default: return (nil, length)  // focus events, unknown function keys
        }
    }
}
