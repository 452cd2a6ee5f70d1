// Decode-time matrix products on quantized activations, with AVX-512 VNNI integer dot
// products (vpdpbusd: 64 unsigned-byte × signed-byte products per instruction), the way
// llama.cpp multiplies its Q4_1/Q8_0 weights by Q8 activations (ggml-cpu quants.c,
// ggml_vec_dot_q4_1_q8_1 / ggml_vec_dot_q8_0_q8_0). The weights stay exact; each activation
// row is quantized per block of 32 to int8 with scale dx = max|x| / 127, so a product
// differs from the fp32 one by the activation rounding alone (≤ dx/2 per element).
//
// Compiled for AVX-512 with target attributes and chosen at run time (rounds_has_vnni512),
// so the same binary still runs on an AVX2-only CPU, where Tensor keeps its fp32 path.
//
// Layouts, per block pair (64 weights) — one zmm register:
//   Q4_1 weights: 2 × 16 nibble bytes, word g of a block holding weights 8g…8g+7 in bits
//     4i…4i+3 (CompactMatrix.swift). Split into low and high nibbles they give the register
//     [lo(blk0) lo(blk1) hi(blk0) hi(blk1)], 16 bytes each; byte j of lo(b) is weight
//     8(j/4) + 2(j%4) of block b, byte j of hi(b) the weight after it. The activations are
//     quantized into that same order, so one vpdpbusd forms 16 partial sums, lanes 0–3 and
//     8–11 of block 0, lanes 4–7 and 12–15 of block 1.
//   Q8_0 weights: 2 × 32 bytes q + 128 in natural order; activations in natural order; lanes
//     0–7 belong to block 0, 8–15 to block 1, and Σ(q+128)·x − 128·Σx is corrected per lane.
#include "CKernels.h"

#include <CHost.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>

int rounds_has_vnni512(void) {
    const rounds_cpu *cpu = rounds_cpu_info();
    return cpu->level >= ROUNDS_LEVEL_AVX512 && cpu->avx512vnni;
}

/// The position, inside a block's 32 quantized bytes in Q4_1 nibble order, of weight j.
static inline int q4_position(int j) {
    int g = j / 8, i = j % 8;           // word g, nibble i: byte 4g + i/2, low nibble when i even
    return (i & 1) * 16 + 4 * g + i / 2;  // lo half first, then hi half
}

void rounds_quantize_activations(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq, float *dx,
                                 float *xsum, int32_t *lane_correction) {
    int blocks = c / 32;
    for (int r = 0; r < m; r++) {
        const float *row = x + (size_t)r * ldx;
        for (int b = 0; b < blocks; b++) {
            const float *v = row + 32 * b;
            float amax = 0, sum = 0;
            for (int j = 0; j < 32; j++) {
                float a = fabsf(v[j]);
                if (a > amax) amax = a;
                sum += v[j];
            }
            float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
            dx[r * blocks + b] = d;
            xsum[r * blocks + b] = sum;
            // Pair layout: a block pair's 64 bytes interleave the two blocks' halves (see above).
            int8_t *out = xq + (size_t)r * c + 64 * (b / 2);
            int pair_odd = b & 1, last_single = (b == blocks - 1) && (blocks & 1);
            for (int j = 0; j < 32; j++) {
                int q = (int)lrintf(v[j] * inv);
                int8_t k = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
                int pos;
                if (q4_order) {
                    int p = q4_position(j), half = p / 16, byte = p % 16;
                    pos = last_single ? p : half * 32 + pair_odd * 16 + byte;
                } else {
                    pos = last_single ? j : pair_odd * 32 + j;
                }
                out[pos] = k;
            }
        }
        // Q8_0: −128 · (sum of each 4-byte lane of a pair's 64 bytes), the start of every dot.
        if (!q4_order && lane_correction) {
            const int8_t *q = xq + (size_t)r * c;
            int32_t *corr = lane_correction + (size_t)r * (blocks / 2) * 16;
            for (int lane = 0; lane < (blocks / 2) * 16; lane++)
                corr[lane] = -128 * (q[4 * lane] + q[4 * lane + 1] + q[4 * lane + 2] + q[4 * lane + 3]);
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
static inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

/// Rows `first..<last` of a Q4_1 matrix (C = 32·blocks) times `m` quantized activation rows.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
void rounds_q4_1_matmul_vnni(const uint8_t *quants, const float *scales, const float *offsets, int blocks,
                             int first, int last, const int8_t *xq, const float *dx, const float *xsum, int m,
                             float *out, int ldo, int accumulate) {
    const int c = 32 * blocks, pairs = blocks / 2;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    // Lane → block of the pair: [0,0,0,0,1,1,1,1,0,0,0,0,1,1,1,1].
    const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
    for (int o = first; o < last; o++) {
        const uint8_t *wq = quants + (size_t)o * blocks * 16;
        const float *wd = scales + (size_t)o * blocks, *wm = offsets + (size_t)o * blocks;
        for (int r0 = 0; r0 < m; r0 += 4) {
            int rows = m - r0 < 4 ? m - r0 : 4;
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (int p = 0; p < pairs; p++) {
                __m256i bytes = _mm256_loadu_si256((const __m256i *)(wq + 32 * p));
                __m256i lo = _mm256_and_si256(bytes, low4);
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
                __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
                __m512 dw = _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(
                    _mm_castpd_ps(_mm_load_sd((const double *)(wd + 2 * p)))));
                for (int i = 0; i < rows; i++) {
                    int r = r0 + i;
                    __m512i x = _mm512_loadu_si512((const void *)(xq + (size_t)r * c + 64 * p));
                    __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, x);
                    __m512 dxv = _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(
                        _mm_castpd_ps(_mm_load_sd((const double *)(dx + r * blocks + 2 * p)))));
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, dxv), acc[i]);
                }
            }
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum512(acc[i]);
                if (blocks & 1) {  // a last, unpaired block
                    int b = blocks - 1;
                    const uint8_t *q = wq + 16 * b;
                    const int8_t *x = xq + (size_t)r * c + 64 * pairs;
                    int dot = 0;
                    for (int j = 0; j < 16; j++) dot += (q[j] & 15) * x[j] + (q[j] >> 4) * x[16 + j];
                    y += wd[b] * dx[r * blocks + b] * (float)dot;
                }
                // The offsets meet the exact activation sums: Σ_b m_b · Σ_j x_j.
                const float *s = xsum + r * blocks;
                __m512 off = _mm512_setzero_ps();
                int b = 0;
                for (; b + 16 <= blocks; b += 16) off = _mm512_fmadd_ps(_mm512_loadu_ps(wm + b), _mm512_loadu_ps(s + b), off);
                if (b < blocks) {
                    __mmask16 k = (__mmask16)((1u << (blocks - b)) - 1);
                    off = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, wm + b), _mm512_maskz_loadu_ps(k, s + b), off);
                }
                y += hsum512(off);
                float *dst = out + (size_t)r * ldo + o;
                *dst = accumulate ? *dst + y : y;
            }
        }
    }
}

/// Rows `first..<last` of a Q8_0 matrix (bytes q + 128) times `m` quantized activation rows.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
void rounds_q8_0_matmul_vnni(const uint8_t *quants, const float *scales, int blocks, int first, int last,
                             const int8_t *xq, const float *dx, const int32_t *lane_correction, int m, float *out,
                             int ldo, int accumulate) {
    const int c = 32 * blocks, pairs = blocks / 2;
    const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    for (int o = first; o < last; o++) {
        const uint8_t *wq = quants + (size_t)o * c;
        const float *wd = scales + (size_t)o * blocks;
        for (int r0 = 0; r0 < m; r0 += 4) {
            int rows = m - r0 < 4 ? m - r0 : 4;
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (int p = 0; p < pairs; p++) {
                __m512i w = _mm512_loadu_si512((const void *)(wq + 64 * p));
                __m512 dw = _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(
                    _mm_castpd_ps(_mm_load_sd((const double *)(wd + 2 * p)))));
                for (int i = 0; i < rows; i++) {
                    int r = r0 + i;
                    __m512i x = _mm512_loadu_si512((const void *)(xq + (size_t)r * c + 64 * p));
                    // Σ (q+128)·x − 128·Σx per lane of 4 bytes.
                    __m512i corr = _mm512_loadu_si512((const void *)(lane_correction + ((size_t)r * pairs + p) * 16));
                    __m512i dot = _mm512_dpbusd_epi32(corr, w, x);
                    __m512 dxv = _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(
                        _mm_castpd_ps(_mm_load_sd((const double *)(dx + r * blocks + 2 * p)))));
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, dxv), acc[i]);
                }
            }
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum512(acc[i]);
                if (blocks & 1) {
                    int b = blocks - 1;
                    const uint8_t *q = wq + 32 * b;
                    const int8_t *x = xq + (size_t)r * c + 64 * pairs;
                    int dot = 0;
                    for (int j = 0; j < 32; j++) dot += ((int)q[j] - 128) * x[j];
                    y += wd[b] * dx[r * blocks + b] * (float)dot;
                }
                float *dst = out + (size_t)r * ldo + o;
                *dst = accumulate ? *dst + y : y;
            }
        }
    }
}

/// Rows `first..<last` of an int8x16 matrix (signed levels l, scale d and offset m per group
/// of 16) times `m` activation rows quantized in natural order. The levels become unsigned
/// by flipping their top bit (l + 128), and Σ(l+128)·x − 128·Σx is corrected per lane as for
/// Q8_0; a zmm of 64 weights holds four groups, lanes 4g…4g+3 of group g (scale d_g), and two
/// activation blocks, lanes 0–7 and 8–15.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
void rounds_int8x16_matmul_vnni(const int8_t *quants, const float *scales, const float *offsets, int has_offsets,
                                int blocks, int first, int last, const int8_t *xq, const float *dx,
                                const int32_t *lane_correction, const float *xsum16, int m, float *out, int ldo,
                                int accumulate) {
    const int c = 32 * blocks, pairs = blocks / 2, groups = 2 * blocks;
    const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i lane_group = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i top = _mm512_set1_epi8((char)0x80);
    for (int o = first; o < last; o++) {
        const int8_t *wq = quants + (size_t)o * c;
        const float *wd = scales + (size_t)o * groups, *wm = offsets + (size_t)o * groups;
        for (int r0 = 0; r0 < m; r0 += 4) {
            int rows = m - r0 < 4 ? m - r0 : 4;
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (int p = 0; p < pairs; p++) {
                __m512i w = _mm512_xor_si512(_mm512_loadu_si512((const void *)(wq + 64 * p)), top);
                __m512 dw = _mm512_permutexvar_ps(lane_group, _mm512_castps128_ps512(_mm_loadu_ps(wd + 4 * p)));
                for (int i = 0; i < rows; i++) {
                    int r = r0 + i;
                    __m512i x = _mm512_loadu_si512((const void *)(xq + (size_t)r * c + 64 * p));
                    __m512i corr = _mm512_loadu_si512((const void *)(lane_correction + ((size_t)r * pairs + p) * 16));
                    __m512i dot = _mm512_dpbusd_epi32(corr, w, x);
                    __m512 dxv = _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(
                        _mm_castpd_ps(_mm_load_sd((const double *)(dx + r * blocks + 2 * p)))));
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, dxv), acc[i]);
                }
            }
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum512(acc[i]);
                if (blocks & 1) {  // a last, unpaired block: two groups of 16
                    int b = blocks - 1;
                    const int8_t *x = xq + (size_t)r * c + 64 * pairs;
                    for (int h = 0; h < 2; h++) {
                        int dot = 0;
                        for (int j = 0; j < 16; j++) dot += wq[32 * b + 16 * h + j] * x[16 * h + j];
                        y += wd[2 * b + h] * dx[r * blocks + b] * (float)dot;
                    }
                }
                if (has_offsets) {
                    const float *s = xsum16 + (size_t)r * groups;
                    __m512 off = _mm512_setzero_ps();
                    int g = 0;
                    for (; g + 16 <= groups; g += 16) off = _mm512_fmadd_ps(_mm512_loadu_ps(wm + g), _mm512_loadu_ps(s + g), off);
                    if (g < groups) {
                        __mmask16 k = (__mmask16)((1u << (groups - g)) - 1);
                        off = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, wm + g), _mm512_maskz_loadu_ps(k, s + g), off);
                    }
                    y += hsum512(off);
                }
                float *dst = out + (size_t)r * ldo + o;
                *dst = accumulate ? *dst + y : y;
            }
        }
    }
}

void rounds_group_sums16(const float *x, int m, int c, int ldx, float *out) {
    for (int r = 0; r < m; r++)
        for (int g = 0; g < c / 16; g++) {
            float s = 0;
            for (int j = 0; j < 16; j++) s += x[(size_t)r * ldx + 16 * g + j];
            out[(size_t)r * (c / 16) + g] = s;
        }
}
