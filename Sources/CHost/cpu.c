// cpuid and xgetbv: the processor's identity and vector features (see CHost.h).
#include "CHost.h"

#include <cpuid.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

static rounds_cpu cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static void trim(char *s) {
    size_t start = 0, n = strlen(s);
    while (s[start] == ' ') start++;
    memmove(s, s + start, n - start + 1);
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') s[--n] = 0;
}

static void detect(void) {
    unsigned a, b, c, d;
    memset(&cpu, 0, sizeof cpu);
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned max_leaf = a;
    memcpy(cpu.vendor, &b, 4);
    memcpy(cpu.vendor + 4, &d, 4);
    memcpy(cpu.vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    unsigned family = (a >> 8) & 0xF, model = (a >> 4) & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family == 6 || family >= 0xF) model |= ((a >> 16) & 0xF) << 4;
    cpu.family = (int)family;
    cpu.model = (int)model;
    cpu.stepping = (int)(a & 0xF);
    cpu.sse3 = (c >> 0) & 1;
    cpu.ssse3 = (c >> 9) & 1;
    cpu.fma = (c >> 12) & 1;
    cpu.sse41 = (c >> 19) & 1;
    cpu.sse42 = (c >> 20) & 1;
    int osxsave = (c >> 27) & 1;
    cpu.avx = (c >> 28) & 1;
    cpu.f16c = (c >> 29) & 1;
    if (osxsave) {
        uint64_t xcr0 = read_xcr0();
        cpu.os_avx = (xcr0 & 0x6) == 0x6;
        cpu.os_avx512 = cpu.os_avx && (xcr0 & 0xE0) == 0xE0;
    }
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        unsigned subleaves = a;
        cpu.avx2 = (b >> 5) & 1;
        cpu.avx512f = (b >> 16) & 1;
        cpu.avx512dq = (b >> 17) & 1;
        cpu.avx512cd = (b >> 28) & 1;
        cpu.avx512bw = (b >> 30) & 1;
        cpu.avx512vl = (b >> 31) & 1;
        cpu.avx512vbmi = (c >> 1) & 1;
        cpu.avx512vnni = (c >> 11) & 1;
        cpu.avx512fp16 = (d >> 23) & 1;
        cpu.amx = ((d >> 22) & 1) | ((d >> 24) & 1) | ((d >> 25) & 1);
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            cpu.avxvnni = (a >> 4) & 1;
            cpu.avx512bf16 = (a >> 5) & 1;
        }
    }
    __get_cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        unsigned *words = (unsigned *)cpu.brand;
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, &words[4 * leaf], &words[4 * leaf + 1], &words[4 * leaf + 2], &words[4 * leaf + 3]);
        cpu.brand[48] = 0;
        trim(cpu.brand);
    }

    cpu.level = ROUNDS_LEVEL_SSE;
    if (cpu.avx && cpu.os_avx) cpu.level = ROUNDS_LEVEL_AVX;
    if (cpu.level == ROUNDS_LEVEL_AVX && cpu.avx2 && cpu.fma) cpu.level = ROUNDS_LEVEL_AVX2;
    if (cpu.level == ROUNDS_LEVEL_AVX2 && cpu.os_avx512 && cpu.avx512f && cpu.avx512cd && cpu.avx512bw
        && cpu.avx512dq && cpu.avx512vl)
        cpu.level = ROUNDS_LEVEL_AVX512;
}

const rounds_cpu *rounds_cpu_info(void) {
    pthread_once(&cpu_once, detect);
    return &cpu;
}

int rounds_blas_core_level(const char *corename) {
    static const struct { const char *name; int level; } cores[] = {
        {"SkylakeX", ROUNDS_LEVEL_AVX512}, {"Cooperlake", ROUNDS_LEVEL_AVX512},
        {"SapphireRapids", ROUNDS_LEVEL_AVX512},
        {"Haswell", ROUNDS_LEVEL_AVX2}, {"Zen", ROUNDS_LEVEL_AVX2},
        {"Sandybridge", ROUNDS_LEVEL_AVX}, {"Bulldozer", ROUNDS_LEVEL_AVX}, {"Piledriver", ROUNDS_LEVEL_AVX},
        {"Steamroller", ROUNDS_LEVEL_AVX}, {"Excavator", ROUNDS_LEVEL_AVX},
        {"Prescott", ROUNDS_LEVEL_SSE}, {"Core2", ROUNDS_LEVEL_SSE}, {"Penryn", ROUNDS_LEVEL_SSE},
        {"Dunnington", ROUNDS_LEVEL_SSE}, {"Nehalem", ROUNDS_LEVEL_SSE}, {"Atom", ROUNDS_LEVEL_SSE},
        {"Opteron", ROUNDS_LEVEL_SSE}, {"Opteron_SSE3", ROUNDS_LEVEL_SSE}, {"Barcelona", ROUNDS_LEVEL_SSE},
        {"Bobcat", ROUNDS_LEVEL_SSE}, {"Nano", ROUNDS_LEVEL_SSE}, {"Katmai", ROUNDS_LEVEL_SSE},
        {"Coppermine", ROUNDS_LEVEL_SSE}, {"Northwood", ROUNDS_LEVEL_SSE}, {"Banias", ROUNDS_LEVEL_SSE},
        {"Athlon", ROUNDS_LEVEL_SSE},
    };
    if (!corename) return -1;
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (strcasecmp(corename, cores[i].name) == 0) return cores[i].level;
    return -1;
}

const char *rounds_blas_preferred_core(int level, const char *vendor) {
    // Cooperlake's and SapphireRapids' single-precision kernels are SkylakeX's; asking for
    // SkylakeX keeps the choice to kernels every OpenBLAS with DYNAMIC_ARCH has had.
    if (level >= ROUNDS_LEVEL_AVX512) return "SkylakeX";
    if (level == ROUNDS_LEVEL_AVX2) return vendor && strcmp(vendor, "AuthenticAMD") == 0 ? "Zen" : "Haswell";
    if (level == ROUNDS_LEVEL_AVX) return "Sandybridge";
    return 0;
}
