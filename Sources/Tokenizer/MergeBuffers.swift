import Foundation

// The mutable parts of encoding: per-call scratch for the merge loop and the shared,
// bounded cache of merged words.

/// Per-call buffers of the merge loop (reused across the words of one `encode`).
struct MergeScratch {
    static let dead: Int32 = -2
    var ids: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    /// Min-heap of rank << 32 | position.
    private var heap: [UInt64] = []

    /// Empties the symbols (`ids` is then filled by appending) and the heap.
    mutating func reset(_ capacity: Int) {
        ids.removeAll(keepingCapacity: true)
        ids.reserveCapacity(capacity)
        heap.removeAll(keepingCapacity: true)
    }

    /// Links the `n` symbols of `ids` into a list, in order.
    mutating func link(_ n: Int) {
        if prev.count < n {
            prev = [Int32](repeating: 0, count: n)
            next = prev
        }
        for k in 0..<n {
            prev[k] = Int32(k - 1)
            next[k] = k + 1 < n ? Int32(k + 1) : -1
        }
    }

    mutating func push(_ rank: Int32, _ pos: Int) {
        heap.append(UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(pos))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent] <= heap[i] { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> (Int32, Int)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, heap[l] < heap[m] { m = l }
                if r < heap.count, heap[r] < heap[m] { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return (Int32(truncatingIfNeeded: top >> 32), Int(truncatingIfNeeded: top & 0xFFFF_FFFF))
    }
}

/// Merge results of recent words (HF tokenizers keeps the same kind of cache). Bounded:
/// when full it is emptied, which keeps memory flat on endless streams of new words.
final class WordCache: @unchecked Sendable {
    static let maxWordBytes = 256
    private static let maxEntries = 200_000
    private let lock = NSLock()
    private var table = ByteStringTable(capacity: 1 << 14)
    private var ids: [Int32] = []

    func lookup(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let v = table.find(word) else { return false }
        let start = v >> 16, count = v & 0xFFFF
        for i in start..<(start + count) { out.append(Int(ids[i])) }
        return true
    }

    func insert(_ word: UnsafeBufferPointer<UInt8>, _ result: ArraySlice<Int>) {
        lock.lock()
        defer { lock.unlock() }
        if table.count >= Self.maxEntries {
            table.removeAll()
            ids.removeAll(keepingCapacity: true)
        }
        table.insert(word, value: ids.count << 16 | result.count)
        ids.append(contentsOf: result.lazy.map { Int32($0) })
    }
}
