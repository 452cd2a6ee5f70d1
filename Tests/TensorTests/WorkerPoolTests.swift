import CHost
import Foundation
import Testing
@testable import Tensor

/// The worker pool behind `parallelFor` (Sources/CHost/pool.c): every index runs exactly once
/// per job, back to back, from several threads at once and nested, and the pool's workers are
/// other threads than the caller.
@Suite(.serialized) struct WorkerPoolTests {
    /// Adds `1 + i` for each i of every job into one slot per index; any index run twice,
    /// skipped, or run after its job returned shows in the totals.
    @Test func thousandsOfSmallJobsRunEveryIndexOnce() {
        for workers in [2, 3] {
            let jobs = 5000
            var totals = [Int](repeating: 0, count: workers)
            totals.withUnsafeMutableBufferPointer { slots in
                for _ in 0..<jobs {
                    runOnWorkers(workers) { w in slots[w] += 1 + w }
                }
            }
            #expect(totals == (0..<workers).map { jobs * (1 + $0) }, "\(workers) workers")
        }
    }

    @Test func concurrentCallersAndNestedLoopsGetTheirOwnResults() {
        let callers = 4, rounds = 300, n = 97
        final class Sums: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int]
            init(_ n: Int) { values = [Int](repeating: 0, count: n) }
        }
        let sums = Sums(callers)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            var total = 0
            for r in 0..<rounds {
                var cells = [Int](repeating: 0, count: n)
                cells.withUnsafeMutableBufferPointer { cells in
                    parallelFor(n) { i in
                        // A loop inside a job runs another way (never deadlocks on the pool).
                        var inner = [Int](repeating: 0, count: 3)
                        inner.withUnsafeMutableBufferPointer { inner in parallelFor(3) { j in inner[j] = j + 1 } }
                        cells[i] = i * (c + 1) + r + inner.reduce(0, +)
                    }
                }
                total += cells.reduce(0, +)
            }
            sums.lock.withLock { sums.values[c] = total }
        }
        for c in 0..<callers {
            let expected = (0..<rounds).reduce(0) { $0 + (0..<n).reduce(0) { $0 + $1 * (c + 1) } + n * $1 + n * 6 }
            #expect(sums.values[c] == expected, "caller \(c)")
        }
    }

    /// A job the pool takes runs index 0 on the caller and the others on its own threads.
    @Test func thePoolRunsIndicesOnOtherThreads() throws {
        try #require(rounds_pool_enabled() == 1, "ROUNDS_POOL=off in this environment")
        let ids = UnsafeMutablePointer<pthread_t>.allocate(capacity: 3)
        defer { ids.deallocate() }
        var taken = false
        for _ in 0..<1000 where !taken {   // another test's job may hold the pool for a moment
            taken = rounds_pool_run(3, { context, w in
                context!.assumingMemoryBound(to: pthread_t.self)[Int(w)] = pthread_self()
            }, ids) != 0
            if !taken { usleep(1000) }
        }
        #expect(taken)
        #expect(pthread_equal(ids[0], pthread_self()) != 0)
        #expect(pthread_equal(ids[1], ids[0]) == 0 && pthread_equal(ids[2], ids[0]) == 0 && pthread_equal(ids[1], ids[2]) == 0)
    }
}
