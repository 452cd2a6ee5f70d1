// The worker pool of pool.h. One job at a time: the caller publishes (fn, ctx, count) and bumps
// `generation`; every worker runs its index (if below count) and acknowledges; the caller runs
// index 0 and waits for every worker's acknowledgement before it returns, so the next job can
// never meet a worker still busy with the last one.
//
// Sleeping without lost wake-ups: a worker announces itself in `sleeping` under `sleep_lock`
// and then re-reads `generation`; the caller bumps `generation` and then reads `sleeping`
// (both sequentially consistent), so either the worker sees the new job or the caller sees the
// sleeper and signals it under the lock. The caller's own wait for acknowledgements works the
// same way with `caller_sleeping`.
#define _GNU_SOURCE
#include "include/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define POOL_WORKERS_MAX 63

typedef void (*pool_fn)(void *ctx, int index);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int enabled = 1;
static long spin_ns = 200000;

static pthread_mutex_t dispatch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;

static _Atomic unsigned long generation;
static _Atomic int acknowledged;
static _Atomic int sleeping;
static _Atomic int caller_sleeping;

// The job, written by the caller before it bumps `generation`, read by workers after.
static pool_fn job_fn;
static void *job_ctx;
static int job_count;

static int started;                                   // workers running; under dispatch_lock
static unsigned long first_generation[POOL_WORKERS_MAX + 1];
static _Thread_local int inside_job;

static void configure(void) {
    const char *mode = getenv("ROUNDS_POOL");
    if (mode && strcmp(mode, "off") == 0) enabled = 0;
    const char *spin = getenv("ROUNDS_POOL_SPIN_US");
    if (spin && *spin) {
        char *end = NULL;
        long us = strtol(spin, &end, 10);
        if (end && *end == 0 && us >= 0 && us <= 1000000) spin_ns = us * 1000;
    }
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/// One turn of a spin-wait: pauses, and every 64 turns reads the clock; returns 1 once the
/// spin time (counted from the first reading, kept in `*deadline`, 0 to start) is over.
static int spin_turn_over(unsigned turn, long *deadline) {
    cpu_relax();
    if (turn % 64 != 0) return 0;
    long t = now_ns();
    if (*deadline == 0) *deadline = t + spin_ns;
    return t > *deadline;
}

static void *worker(void *arg) {
    int index = (int)(intptr_t)arg;
    unsigned long seen = first_generation[index];
    inside_job = 1;   // a job that asks for the pool from a worker runs another way
    for (;;) {
        unsigned long now;
        long deadline = 0;
        for (unsigned turn = 1; (now = atomic_load_explicit(&generation, memory_order_acquire)) == seen; turn++)
            if (spin_turn_over(turn, &deadline)) break;
        if (now == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleeping, 1);
            while ((now = atomic_load(&generation)) == seen) pthread_cond_wait(&work_cond, &sleep_lock);
            atomic_fetch_sub(&sleeping, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = now;
        if (index < job_count) job_fn(job_ctx, index);
        atomic_fetch_add(&acknowledged, 1);
        if (atomic_load(&caller_sleeping)) {
            pthread_mutex_lock(&sleep_lock);
            pthread_cond_broadcast(&done_cond);
            pthread_mutex_unlock(&sleep_lock);
        }
    }
    return NULL;
}

/// Starts workers until `needed` run; under dispatch_lock. Returns how many run.
static int start_workers(int needed) {
    while (started < needed) {
        int index = started + 1;
        first_generation[index] = atomic_load(&generation);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        int failed = pthread_create(&thread, &attr, worker, (void *)(intptr_t)index);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started = index;
    }
    return started;
}

int rounds_pool_run(int count, void (*fn)(void *ctx, int index), void *ctx) {
    pthread_once(&once, configure);
    if (!enabled || inside_job || count < 1 || count > POOL_WORKERS_MAX + 1) return 0;
    if (pthread_mutex_trylock(&dispatch_lock) != 0) return 0;
    if (start_workers(count - 1) < count - 1) {
        pthread_mutex_unlock(&dispatch_lock);
        return 0;
    }
    job_fn = fn;
    job_ctx = ctx;
    job_count = count;
    atomic_store(&acknowledged, 0);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleeping) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&work_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    inside_job = 1;
    fn(ctx, 0);
    inside_job = 0;

    // Wait for every worker (those past `count` acknowledge without working).
    long deadline = 0;
    for (unsigned turn = 1; atomic_load_explicit(&acknowledged, memory_order_acquire) < started; turn++) {
        if (!spin_turn_over(turn, &deadline)) continue;
        pthread_mutex_lock(&sleep_lock);
        atomic_store(&caller_sleeping, 1);
        while (atomic_load(&acknowledged) < started) pthread_cond_wait(&done_cond, &sleep_lock);
        atomic_store(&caller_sleeping, 0);
        pthread_mutex_unlock(&sleep_lock);
        break;
    }
    pthread_mutex_unlock(&dispatch_lock);
    return 1;
}

int rounds_pool_capacity(void) { return POOL_WORKERS_MAX; }

int rounds_pool_enabled(void) {
    pthread_once(&once, configure);
    return enabled;
}
