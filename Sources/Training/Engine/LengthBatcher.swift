import Foundation
import Tensor

/// Groups examples of similar length into batches so padding stays small: sort by
/// length, cut into batches of at most `batchSize` sequences and `maxTokens` tokens, then
/// visit the batches in an order shuffled per epoch from (seed, epoch). The order of any
/// epoch can be recomputed, so a resumed run sees exactly the batches it would have seen.
public struct LengthBatcher: Sendable, Equatable {
    /// Each batch is a list of example indices.
    public let batches: [[Int]]
    public let seed: UInt64

    public init(lengths: [Int], batchSize: Int, maxTokens: Int = .max, seed: UInt64) {
        precondition(batchSize > 0)
        let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var batches: [[Int]] = []
        var current: [Int] = []
        var longest = 0
        for i in order {
            let l = max(longest, lengths[i])
            if !current.isEmpty, current.count == batchSize || l * (current.count + 1) > maxTokens {
                batches.append(current)
                current = []
                longest = 0
            }
            current.append(i)
            longest = max(longest, lengths[i])
        }
        if !current.isEmpty { batches.append(current) }
        self.batches = batches
        self.seed = seed
    }

    /// The batch visiting order of `epoch` (a Fisher–Yates shuffle on the seeded generator's stream `epoch`).
    public func order(epoch: Int) -> [Int] {
        var rng = SeededRandom(seed: seed, stream: UInt64(epoch))
        var order = Array(batches.indices)
        guard order.count > 1 else { return order }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }

    /// The batch at global position `cursor` (epoch = cursor / batches.count).
    public func batch(at cursor: Int) -> (epoch: Int, indices: [Int]) {
        let epoch = cursor / batches.count
        return (epoch, batches[order(epoch: epoch)[cursor % batches.count]])
    }

    /// The examples in the batches at positions 0..<`cursor`, sorted: what a run that consumed
    /// `cursor` batches has trained on (every example once a whole epoch is done).
    public func visited(upTo cursor: Int) -> [Int] {
        guard cursor < batches.count else { return batches.flatMap { $0 }.sorted() }
        return (0..<max(cursor, 0)).flatMap { batch(at: $0).indices }.sorted()
    }
}

extension LengthBatcher {
    /// `batches` by packed tokens (the sum of `length` over a batch), largest first: the order
    /// for a forward-only pass. The model's activation buffers only grow, and each growth is a
    /// fresh allocation the kernel zeroes page by page; in the shortest-first order the batcher
    /// builds, nearly every batch grew them (a tenth of the nightly evaluation's time went to
    /// page faults). Largest first, the first batch reserves what the rest reuse.
    public static func largestFirst(_ batches: [[Int]], length: (Int) -> Int) -> [[Int]] {
        let tokens = batches.map { $0.reduce(0) { $0 + length($1) } }
        return batches.indices.sorted { (tokens[$0], $1) > (tokens[$1], $0) }.map { batches[$0] }
    }
}
