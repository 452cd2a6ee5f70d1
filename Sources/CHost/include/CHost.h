// What the processor offers and which BLAS kernels run on it.
//
// The CPU's vector features come from cpuid (and xgetbv: the operating system must save the
// wide registers too). OpenBLAS is opened at run time rather than linked, so that Rounds can
// choose its kernels before the library initializes: Debian's OpenBLAS picks them once, at
// load, from its own table of processors, and falls back to old SSE kernels on a processor
// newer than that table (or where the hypervisor hides the family and model).
#ifndef ROUNDS_CHOST_H
#define ROUNDS_CHOST_H

#include <stdint.h>

/// Vector levels, oldest first; the value orders them.
enum {
    ROUNDS_LEVEL_SSE = 0,     ///< SSE2/SSE3 only (OpenBLAS: Prescott, Core2, Nehalem, …)
    ROUNDS_LEVEL_AVX = 1,     ///< AVX without AVX2/FMA (Sandybridge, Bulldozer, …)
    ROUNDS_LEVEL_AVX2 = 2,    ///< AVX2 + FMA (Haswell, Zen)
    ROUNDS_LEVEL_AVX512 = 3,  ///< AVX-512 F/CD/BW/DQ/VL (SkylakeX, Cooperlake, SapphireRapids)
};

typedef struct {
    char vendor[13];          ///< "GenuineIntel", "AuthenticAMD", …
    char brand[49];           ///< the processor's brand string, trimmed
    int family, model, stepping;
    int sse3, ssse3, sse41, sse42, avx, avx2, fma, f16c;
    int avx512f, avx512cd, avx512bw, avx512dq, avx512vl, avx512vnni, avx512bf16, avx512fp16, avx512vbmi;
    int avxvnni, amx;         ///< AVX-VNNI (256-bit), any AMX tile feature
    int os_avx;               ///< the OS saves YMM state (XCR0 bits 1–2)
    int os_avx512;            ///< the OS saves opmask and ZMM state (XCR0 bits 5–7)
    int level;                ///< the best ROUNDS_LEVEL_* this CPU and OS can run
} rounds_cpu;

/// The processor this process runs on (read once).
const rounds_cpu *rounds_cpu_info(void);

/// The vector level of an OpenBLAS core name as `openblas_get_corename()` prints it
/// (case-insensitive); -1 when the name is not known.
int rounds_blas_core_level(const char *corename);

/// The OpenBLAS core type Rounds asks for on a CPU of this level and vendor, or NULL below AVX2.
const char *rounds_blas_preferred_core(int level, const char *vendor);

typedef struct {
    int loaded;               ///< 1 when an OpenBLAS library was opened
    char library[256];        ///< what was opened
    char config[256];         ///< openblas_get_config()
    char corename[64];        ///< the kernel in use
    char default_corename[64];///< what OpenBLAS chose by itself ("" when it was not asked)
    char coretype[64];        ///< OPENBLAS_CORETYPE in force ("" when none)
    int user_coretype;        ///< 1 when OPENBLAS_CORETYPE came from the user's environment
    int chosen_by_rounds;     ///< 1 when Rounds set OPENBLAS_CORETYPE (here or in a parent process)
    int check_passed;         ///< the kernel in use reproduced a reference product
    char warning[768];        ///< what went wrong or what to do ("" when nothing)
} rounds_blas_status;

/// Opens OpenBLAS once per process (thread-safe) with the kernels this CPU should use, checks
/// them against a reference product, and returns what happened. Every function below calls it.
const rounds_blas_status *rounds_blas_init(void);

/// Row-major C = alpha·op(A)·op(B) + beta·C (cblas_sgemm with CblasRowMajor).
void rounds_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

void rounds_blas_set_threads(int n);
int rounds_blas_threads(void);

/// Largest relative error of the library's sgemm against a double-precision product over a
/// few shapes (both transposes, odd sizes, one large enough for OpenBLAS's threads); the
/// check `rounds_blas_init` runs.
double rounds_blas_check_error(void);

#include "pool.h"

#endif
