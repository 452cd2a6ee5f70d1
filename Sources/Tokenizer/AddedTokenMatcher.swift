import Foundation

/// Finds added tokens in the text, longest first at each position (HF matches them with
/// a leftmost-longest Aho-Corasick automaton; a first-byte filter is enough here, since added
/// tokens are few and begin with rare bytes such as "<").
struct AddedTokenMatcher {
    private var byFirstByte: [[(bytes: [UInt8], id: Int)]] = Array(repeating: [], count: 256)
    private var any = false

    init(_ tokens: [(bytes: [UInt8], id: Int)]) {
        for t in tokens where !t.bytes.isEmpty {
            byFirstByte[Int(t.bytes[0])].append(t)
            any = true
        }
        for i in 0..<256 { byFirstByte[i].sort { $0.bytes.count > $1.bytes.count } }
    }

    func id(of bytes: [UInt8]) -> Int? {
        guard let b = bytes.first else { return nil }
        return byFirstByte[Int(b)].first { $0.bytes == bytes }?.id
    }

    /// Calls `body(start, end, id)` for each added token and `body(start, end, nil)` for
    /// each stretch of ordinary text between them, in order.
    func split(_ t: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int?) -> Void) {
        guard any else {
            if !t.isEmpty { body(0, t.count, nil) }
            return
        }
        var start = 0
        var i = 0
        outer: while i < t.count {
            for c in byFirstByte[Int(t[i])] where i + c.bytes.count <= t.count {
                let match = c.bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, t.baseAddress! + i, c.bytes.count) == 0 }
                if match {
                    if start < i { body(start, i, nil) }
                    body(i, i + c.bytes.count, c.id)
                    i += c.bytes.count
                    start = i
                    continue outer
                }
            }
            i += 1
        }
        if start < t.count { body(start, t.count, nil) }
    }
}
