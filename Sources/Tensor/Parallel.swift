// Parallel loops and thread-count control for the Tensor kernels.
//
// Legend used by every kernel file in this target (llm.c `train_gpt2.c` style):
//   B batch (sequences), T tokens per sequence, N rows (tokens packed across the batch),
//   C channels (model width), OC output channels, F feed-forward width, V vocabulary,
//   H query heads, KVH key/value heads, D head dimension.
// Buffers are row-major `UnsafeMutablePointer<Float>`; shapes are given in comments.
// Backward kernels ADD into parameter gradients (`+=`); the training step zeroes them once.

import CHost
import Foundation

/// Process-wide thread count for the non-GEMM kernels and for OpenBLAS.
public enum Threads {
    nonisolated(unsafe) private static var current = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// The count of the current task (`with`), which wins over the process-wide one.
    @TaskLocal private static var scoped: Int?

    /// Number of worker threads the kernels split work across.
    public static var count: Int { scoped ?? current }

    /// Runs `body` with `n` kernel threads (values below 1 mean 1) in the current task only:
    /// the process-wide count, and every other task, keep theirs. How a split product's bits
    /// depend on the count matters to whoever compares runs bit for bit (a resumed training
    /// run against an uninterrupted one), so tests that need another count take it this way
    /// instead of `set`, which would change it under the tests running beside them.
    public static func with<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(max(1, n)) { try body() }
    }

    /// Sets the kernel thread count (so a benchmark or a deterministic run can pin it). Values
    /// below 1 mean 1. OpenBLAS itself runs one thread and `gemm` splits big products across
    /// these workers (see `BLASSplit`), unless ROUNDS_BLAS_THREADS=openblas hands it the count.
    public static func set(_ n: Int) {
        current = max(1, n)
        rounds_blas_set_threads(Int32(BLASSplit.openBLASThreads ? current : 1))
    }
}

/// Calls `body(i)` for every `i` in `0..<n`, split into contiguous chunks across
/// `Threads.count` workers (`runOnWorkers`). Runs inline when there is one thread or one
/// item. `body` must only write to memory owned by index `i`.
@inlinable
public func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    parallelChunks(n) { range in
        for i in range { body(i) }
    }
}

/// Splits `0..<n` into at most `Threads.count` contiguous ranges and runs `body` on each
/// concurrently; `body` receives the chunk index too via `range` only. Use it when each
/// worker needs private scratch (e.g. partial sums reduced afterwards).
@inlinable
public func parallelChunks(_ n: Int, _ body: (Range<Int>) -> Void) {
    guard n > 0 else { return }
    let workers = min(Threads.count, n)
    if workers == 1 {
        body(0..<n)
        return
    }
    runOnWorkers(workers) { w in
        body(chunkRange(n, workers: workers, index: w))
    }
}

/// The `index`-th of `workers` near-equal contiguous ranges covering `0..<n`.
@inlinable
public func chunkRange(_ n: Int, workers: Int, index: Int) -> Range<Int> {
    let base = n / workers, extra = n % workers
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}

/// Calls `body(i)` for `i` in `0..<n` with worker w taking i = w, w + workers, … — a
/// balanced split when item cost grows with i (causal attention rows).
@inlinable
public func parallelForInterleaved(_ n: Int, _ body: (Int) -> Void) {
    guard n > 0 else { return }
    let workers = min(Threads.count, n)
    if workers == 1 {
        for i in 0..<n { body(i) }
        return
    }
    runOnWorkers(workers) { w in
        var i = w
        while i < n {
            body(i)
            i += workers
        }
    }
}

/// Runs `body(w)` for w in `0..<workers` concurrently and returns when all have: on the
/// worker pool of `Sources/CHost/pool.c` (w = 0 on this thread; the workers spin briefly
/// between jobs instead of sleeping, which is what a decoded token's hundreds of small
/// products need), or with `DispatchQueue.concurrentPerform` when the pool is busy with
/// another thread's job, when this runs inside a job, or when ROUNDS_POOL=off.
@inlinable
public func runOnWorkers(_ workers: Int, _ body: (Int) -> Void) {
    let pooled = withoutActuallyEscaping(body) { body -> Bool in
        var job = body
        return withUnsafeMutablePointer(to: &job) { job in
            rounds_pool_run(Int32(workers), { context, w in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(w))
            }, job) != 0
        }
    }
    if !pooled { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
}
