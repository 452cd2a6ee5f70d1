import Foundation

// Two open-addressing hash tables for the encoder's hot path. Swift's Dictionary would
// need a String or an Array key per lookup (an allocation per pre-token); these look up
// a byte slice or a packed pair of ids in place.

/// Byte strings → Int, keys copied into one arena. Linear probing, load factor ≤ 1/2.
struct ByteStringTable {
    private struct Slot {
        var hash: UInt64 = 0          // 0 marks an empty slot
        var keyOffset: Int32 = 0
        var keyLength: Int32 = 0
        var value: Int = 0
    }

    private var slots: [Slot]
    private var mask: Int
    private var arena: [UInt8] = []
    private(set) var count = 0

    init(capacity: Int = 16) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [Slot](repeating: Slot(), count: n)
        mask = n - 1
    }

    /// 64-bit hash, eight bytes at a time (multiply-xorshift mixing as in wyhash/xxh3);
    /// never 0 so that 0 can mark empty slots.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        let raw = UnsafeRawBufferPointer(key)
        while i + 8 <= key.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h | 1
    }

    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(key)
        var i = Int(truncatingIfNeeded: h >> 7) & mask
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                while true {
                    let slot = slots[i]
                    if slot.hash == 0 { return nil }
                    if slot.hash == h, Int(slot.keyLength) == key.count,
                       key.count == 0 || memcmp(arena.baseAddress! + Int(slot.keyOffset), key.baseAddress!, key.count) == 0 {
                        return slot.value
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    func find(_ key: [UInt8]) -> Int? {
        key.withUnsafeBufferPointer { find($0) }
    }

    /// Inserts or replaces.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int) {
        if (count + 1) * 2 > slots.count { grow() }
        let h = Self.hash(key)
        var i = Int(truncatingIfNeeded: h >> 7) & mask
        while slots[i].hash != 0 {
            let s = slots[i]
            if s.hash == h, Int(s.keyLength) == key.count,
               arena[Int(s.keyOffset)..<(Int(s.keyOffset) + key.count)].elementsEqual(key) {
                slots[i].value = value
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(hash: h, keyOffset: Int32(arena.count), keyLength: Int32(key.count), value: value)
        arena.append(contentsOf: key)
        count += 1
    }

    mutating func insert(_ key: [UInt8], value: Int) {
        key.withUnsafeBufferPointer { insert($0, value: value) }
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i].hash = 0 }
        arena.removeAll(keepingCapacity: true)
        count = 0
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for s in old where s.hash != 0 {
            var i = Int(truncatingIfNeeded: s.hash >> 7) & mask
            while slots[i].hash != 0 { i = (i + 1) & mask }
            slots[i] = s
        }
    }
}

/// A pair of token ids → (merge rank, merged id). Keys pack `left << 32 | right`.
struct MergeTable {
    private var keys: [UInt64]        // UInt64.max marks an empty slot
    private var values: [UInt64]      // rank << 32 | merged id
    private let mask: Int

    /// Merges in priority order; `rank` may repeat (equal priority: the leftmost pair first).
    init(_ merges: [(left: Int32, right: Int32, merged: Int32, rank: Int32)]) {
        var n = 16
        while n < merges.count * 2 { n <<= 1 }
        keys = [UInt64](repeating: .max, count: n)
        values = [UInt64](repeating: 0, count: n)
        mask = n - 1
        for m in merges {
            let rank = m.rank
            let key = Self.key(m.left, m.right)
            var i = Self.slot(key, mask)
            while keys[i] != .max {
                if keys[i] == key { break }  // a repeated merge keeps its first (best) rank
                i = (i + 1) & mask
            }
            if keys[i] == key { continue }
            keys[i] = key
            values[i] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: m.merged))
        }
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    @inline(__always) static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Every merge, by rank (then merged id).
    func all() -> [(left: Int32, right: Int32, merged: Int32, rank: Int32)] {
        var out: [(left: Int32, right: Int32, merged: Int32, rank: Int32)] = []
        for (k, v) in zip(keys, values) where k != .max {
            out.append((Int32(truncatingIfNeeded: k >> 32), Int32(truncatingIfNeeded: k),
                        Int32(truncatingIfNeeded: v), Int32(truncatingIfNeeded: v >> 32)))
        }
        return out.sorted { ($0.rank, $0.merged, $0.left) < ($1.rank, $1.merged, $1.left) }
    }

    /// (rank, merged id) of the pair, or nil when the pair never merges.
    @inline(__always)
    func lookup(_ a: Int32, _ b: Int32) -> (rank: Int32, merged: Int32)? {
        let key = Self.key(a, b)
        return keys.withUnsafeBufferPointer { keys in
            var i = Self.slot(key, mask)
            while true {
                let k = keys[i]
                if k == key {
                    let v = values[i]
                    return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
                }
                if k == .max { return nil }
                i = (i + 1) & mask
            }
        }
    }
}
