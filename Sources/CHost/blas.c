// OpenBLAS opened at run time with the kernels this CPU should run (see CHost.h).
//
// OpenBLAS (built with DYNAMIC_ARCH, as Debian's is) picks its kernels once, while the
// library loads, from OPENBLAS_CORETYPE or its own table of processors. So Rounds asks it
// first in a child process: the child opens the library, reports the kernel it chose and how
// it did on a reference product, and exits. Where that kernel is older than what the CPU runs
// (Prescott SSE3 kernels on an AVX-512 Xeon, say), a second child tries the CPU's own kernel;
// when that one passes the check, this process sets OPENBLAS_CORETYPE to it before opening the
// library itself. A user's own OPENBLAS_CORETYPE is never changed.
#define _GNU_SOURCE
#include "CHost.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// Set beside OPENBLAS_CORETYPE when Rounds chose it, so child processes know the value was
/// not the user's.
#define CHOSEN_ENV "ROUNDS_BLAS_CORETYPE_CHOSEN"
/// The largest relative error a correct single-precision kernel shows on the check's shapes
/// is ~1e-6; a wrong kernel is off by O(1).
#define CHECK_TOLERANCE 1e-4
#define PROBE_SECONDS 30

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
static sgemm_fn p_sgemm;
static void (*p_set_threads)(int);
static int (*p_get_threads)(void);
static char *(*p_corename)(void);
static char *(*p_config)(void);

static rounds_blas_status status;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void copy(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src ? src : "");
}

/// Opens the library (ROUNDS_BLAS_LIBRARY names another one) and binds its symbols.
static int open_library(char *name, size_t size) {
    const char *chosen = getenv("ROUNDS_BLAS_LIBRARY");
    const char *candidates[] = {chosen, "libopenblas.so.0", "libopenblas.so"};
    for (size_t i = 0; i < 3; i++) {
        if (!candidates[i] || !*candidates[i]) continue;
        void *h = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            if (i == 0) return 0;  // a library named by the user is not silently replaced
            continue;
        }
        p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
        p_set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
        p_get_threads = (int (*)(void))dlsym(h, "openblas_get_num_threads");
        p_corename = (char *(*)(void))dlsym(h, "openblas_get_corename");
        p_config = (char *(*)(void))dlsym(h, "openblas_get_config");
        if (p_sgemm && p_set_threads && p_get_threads && p_corename && p_config) {
            copy(name, size, candidates[i]);
            return 1;
        }
        if (i == 0) return 0;
    }
    return 0;
}

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

double rounds_blas_check_error(void) {
    if (!p_sgemm) return INFINITY;
    // (m, n, k, transA, transB): odd sizes, every transpose, and one product large enough
    // for OpenBLAS to split it across threads.
    static const int shapes[][5] = {{67, 83, 129, 0, 0}, {64, 96, 256, 1, 0}, {96, 64, 200, 0, 1},
                                    {33, 17, 65, 1, 1}, {300, 280, 260, 0, 1}};
    double worst = 0;
    uint64_t seed = 2024;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
        float *c = malloc(sizeof(float) * m * n);
        if (!a || !b || !c) { free(a); free(b); free(c); return INFINITY; }
        for (int i = 0; i < m * k; i++) a[i] = (float)((double)lcg(&seed) / 2147483648.0 - 1.0);
        for (int i = 0; i < k * n; i++) b[i] = (float)((double)lcg(&seed) / 2147483648.0 - 1.0);
        for (int i = 0; i < m * n; i++) c[i] = 0.5f;
        int lda = ta ? m : k, ldb = tb ? k : n;
        // C = 1.5·op(A)·op(B) − 0.5·C: alpha and beta both matter.
        p_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, 1.5f, a, lda, b, ldb, -0.5f, c, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[p * lda + i] : a[i * lda + p];
                    double y = tb ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                    scale += fabs(x * y);
                }
                double ref = 1.5 * sum - 0.25;
                double err = fabs((double)c[i * n + j] - ref) / (1.5 * scale + 0.25);
                if (!(err <= worst)) worst = err;  // NaN counts as the worst
            }
        }
        free(a); free(b); free(c);
    }
    return worst;
}

typedef struct {
    int ok;             // the child opened the library and reported
    char corename[64];
    double error;
} probe_result;

/// Opens the library in a child process with OPENBLAS_CORETYPE = coretype (NULL: unset).
static probe_result probe(const char *coretype) {
    probe_result r = {0, "", INFINITY};
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return r;
    pid_t pid = fork();
    if (pid < 0) { close(fds[0]); close(fds[1]); return r; }
    if (pid == 0) {
        close(fds[0]);
        if (coretype) setenv("OPENBLAS_CORETYPE", coretype, 1); else unsetenv("OPENBLAS_CORETYPE");
        char name[256], line[160];
        if (!open_library(name, sizeof name)) _exit(3);
        int len = snprintf(line, sizeof line, "%s %.17g\n", p_corename(), rounds_blas_check_error());
        if (write(fds[1], line, (size_t)len) != len) _exit(4);
        _exit(0);
    }
    close(fds[1]);
    char buf[160];
    size_t got = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int left = PROBE_SECONDS * 1000 - (int)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left <= 0) { kill(pid, SIGKILL); break; }
        struct pollfd p = {fds[0], POLLIN, 0};
        int ready = poll(&p, 1, left);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) { kill(pid, SIGKILL); break; }
        ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        if (got >= sizeof buf - 1) break;
    }
    close(fds[0]);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {}
    buf[got] = 0;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && sscanf(buf, "%63s %lf", r.corename, &r.error) == 2) r.ok = 1;
    return r;
}

static const char *level_name(int level) {
    switch (level) {
    case ROUNDS_LEVEL_AVX512: return "AVX-512";
    case ROUNDS_LEVEL_AVX2: return "AVX2+FMA";
    case ROUNDS_LEVEL_AVX: return "AVX";
    default: return "SSE";
    }
}

static void init(void) {
    const rounds_cpu *cpu = rounds_cpu_info();
    const char *user = getenv("OPENBLAS_CORETYPE");
    const char *chosen = getenv(CHOSEN_ENV);
    if (user && *user) {
        status.chosen_by_rounds = chosen && strcmp(chosen, user) == 0;
        status.user_coretype = !status.chosen_by_rounds;
    } else {
        probe_result own = probe(NULL);
        if (own.ok) {
            copy(status.default_corename, sizeof status.default_corename, own.corename);
            const char *want = rounds_blas_preferred_core(cpu->level, cpu->vendor);
            if (want && rounds_blas_core_level(own.corename) < cpu->level) {
                probe_result better = probe(want);
                if (better.ok && better.error <= CHECK_TOLERANCE
                    && rounds_blas_core_level(better.corename) > rounds_blas_core_level(own.corename)) {
                    setenv("OPENBLAS_CORETYPE", want, 1);
                    setenv(CHOSEN_ENV, want, 1);
                    status.chosen_by_rounds = 1;
                } else {
                    snprintf(status.warning, sizeof status.warning,
                             "OpenBLAS chose %s kernels on this %s CPU; its %s kernels %s, so Rounds keeps %s "
                             "(matrix products run slower than this CPU allows)",
                             own.corename, level_name(cpu->level), want,
                             better.ok ? "failed the reference-product check" : "could not be loaded", own.corename);
                }
            }
        }
    }
    const char *now = getenv("OPENBLAS_CORETYPE");
    copy(status.coretype, sizeof status.coretype, now);
    // One OpenBLAS thread: Rounds splits big products across its own workers (Tensor's gemm),
    // as OpenBLAS's thread hand-over yields the CPU away on a busy machine.
    // ROUNDS_BLAS_THREADS=openblas keeps OpenBLAS's own threads, for comparison.
    const char *mode = getenv("ROUNDS_BLAS_THREADS");
    if (!(mode && strcmp(mode, "openblas") == 0)) setenv("OPENBLAS_NUM_THREADS", "1", 1);
    if (!open_library(status.library, sizeof status.library)) {
        const char *named = getenv("ROUNDS_BLAS_LIBRARY");
        snprintf(status.warning, sizeof status.warning,
                 "cannot open %s: %s. Install OpenBLAS (scripts/setup.sh does: apt-get install libopenblas-dev)%s",
                 named && *named ? named : "libopenblas.so.0", dlerror(),
                 named && *named ? ", or correct ROUNDS_BLAS_LIBRARY" : "");
        return;
    }
    status.loaded = 1;
    copy(status.corename, sizeof status.corename, p_corename());
    copy(status.config, sizeof status.config, p_config());
    double error = rounds_blas_check_error();
    status.check_passed = error <= CHECK_TOLERANCE;
    int level = rounds_blas_core_level(status.corename);
    if (!status.check_passed) {
        snprintf(status.warning, sizeof status.warning,
                 "OpenBLAS's %s kernels failed the reference-product check (relative error %.3g > %g)%s",
                 status.corename, error, CHECK_TOLERANCE,
                 status.user_coretype ? "; unset OPENBLAS_CORETYPE or set it to an older kernel" : "");
    } else if (status.user_coretype && level >= 0 && level < cpu->level) {
        const char *want = rounds_blas_preferred_core(cpu->level, cpu->vendor);
        snprintf(status.warning, sizeof status.warning,
                 "OPENBLAS_CORETYPE=%s in the environment runs %s kernels on a CPU that has %s; "
                 "unset it (or set OPENBLAS_CORETYPE=%s) for faster matrix products",
                 status.coretype, status.corename, level_name(cpu->level), want ? want : "");
    }
    if (status.warning[0]) fprintf(stderr, "rounds: warning: %s\n", status.warning);
}

const rounds_blas_status *rounds_blas_init(void) {
    pthread_once(&blas_once, init);
    return &status;
}

static void require(void) {
    const rounds_blas_status *s = rounds_blas_init();
    if (!s->loaded) {
        fprintf(stderr, "rounds: %s\n", s->warning);
        abort();
    }
}

void rounds_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc) {
    if (__builtin_expect(p_sgemm == 0, 0)) require();
    p_sgemm(101, trans_a ? 112 : 111, trans_b ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void rounds_blas_set_threads(int n) {
    require();
    p_set_threads(n);
}

int rounds_blas_threads(void) {
    require();
    return p_get_threads();
}
