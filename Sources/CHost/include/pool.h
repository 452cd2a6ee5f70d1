// A pool of worker threads that wait for work by spinning briefly before they sleep.
//
// The kernels split each product or loop across the cores many hundred times a token when
// decoding; waking a sleeping thread for each (what libdispatch does) costs more than the
// work. A worker that has just finished spins for a short while (ROUNDS_POOL_SPIN_US, default
// 200 µs) on the job counter and takes the next job without a system call; after that it
// sleeps on a condition variable, so an idle process costs nothing.
#ifndef ROUNDS_POOL_H
#define ROUNDS_POOL_H

/// Runs `fn(ctx, i)` for i in 0..<count: i = 0 on the calling thread, the others on the pool's
/// workers (started on first use), and returns when all have returned. Returns 0 without
/// running anything when the pool cannot take the job — it is busy with another caller's job,
/// the caller is itself inside a job, `count` is above the pool's size, or the pool is turned
/// off (ROUNDS_POOL=off) — so the caller runs it another way.
int rounds_pool_run(int count, void (*fn)(void *ctx, int index), void *ctx);

/// Workers the pool may start (excluding the calling thread): the largest count it takes is
/// this plus one.
int rounds_pool_capacity(void);

/// 1 when the pool is on (ROUNDS_POOL is not "off").
int rounds_pool_enabled(void);

#endif
