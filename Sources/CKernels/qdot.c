// Decode-time matrix products on quantized activations, with AVX-512 VNNI integer dot
// products (vpdpbusd: 64 unsigned-byte × signed-byte products per instruction), the way
// llama.cpp multiplies its Q4_1/Q8_0 weights by Q8 activations (ggml-cpu quants.c,
// ggml_vec_dot_q4_1_q8_1 / ggml_vec_dot_q8_0_q8_0). The weights stay exact; each activation
// row is quantized per block of 32 to int8 with scale dx = max|x| / 127, so a product
// differs from the fp32 one by the activation rounding alone (≤ dx/2 per element).
//
// Compiled for AVX-512 with target attributes and chosen at run time (rounds_has_vnni512),
// so the same binary still runs on an AVX2-only CPU, where the AVX2 forms of qdot_avx2.c
// (vpmaddubsw) take the same activations.
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
//   int8x16 weights (Q5_K/Q6_K levels): 64 signed bytes in natural order, made q + 128 by
//     flipping the top bit, then as Q8_0 but with a scale per 16 weights (4 lanes each).
#include "CKernels.h"
#include "qdot_rows.h"

#include <CHost.h>
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// The target of every AVX-512 function here (chosen at run time: rounds_has_vnni512).
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

int rounds_has_vnni512(void) {
    const rounds_cpu *cpu = rounds_cpu_info();
    return cpu->level >= ROUNDS_LEVEL_AVX512 && cpu->avx512vnni;
}

int rounds_has_avx2(void) { return rounds_cpu_info()->level >= ROUNDS_LEVEL_AVX2; }

/// The AVX2 form of rounds_quantize_activations (qdot_avx2.c).
void rounds_quantize_activations_avx2(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq, float *dx,
                                      float *xsum, int32_t *lane_correction);

/// The position, inside a block's 32 quantized bytes in Q4_1 nibble order, of weight j.
static inline int q4_position(int j) {
    int g = j / 8, i = j % 8;           // word g, nibble i: byte 4g + i/2, low nibble when i even
    return (i & 1) * 16 + 4 * g + i / 2;  // lo half first, then hi half
}

/// The scalar form of rounds_quantize_activations, which the vector forms reproduce (for a CPU
/// without AVX2, where no kernel reads its output).
static void quantize_scalar(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq, float *dx, float *xsum,
                            int32_t *lane_correction) {
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
        if (!q4_order && lane_correction) lane_corrections(xq, r, c, blocks, lane_correction);
    }
}

/// rounds_quantize_activations with AVX-512: a block of 32 is two registers; its scale, its
/// rounding (vcvtps2dq rounds to nearest even, as lrintf does under the default rounding mode),
/// and, in Q4_1 order, its even and odd weights split into the low and high nibble halves.
VNNI static void quantize_avx512(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq, float *dx, float *xsum,
                            int32_t *lane_correction) {
    const int blocks = c / 32;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
    for (int r = 0; r < m; r++) {
        const float *row = x + (size_t)r * ldx;
        for (int b = 0; b < blocks; b++) {
            __m512 v0 = _mm512_loadu_ps(row + 32 * b), v1 = _mm512_loadu_ps(row + 32 * b + 16);
            float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
            float sum = _mm512_reduce_add_ps(_mm512_add_ps(v0, v1));  // the scalar form's up to rounding order
            float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
            dx[r * blocks + b] = d;
            xsum[r * blocks + b] = sum;
            __m512 s = _mm512_set1_ps(inv);
            __m512i q0 = _mm512_max_epi32(lo, _mm512_min_epi32(hi, _mm512_cvtps_epi32(_mm512_mul_ps(v0, s))));
            __m512i q1 = _mm512_max_epi32(lo, _mm512_min_epi32(hi, _mm512_cvtps_epi32(_mm512_mul_ps(v1, s))));
            int8_t *out = xq + (size_t)r * c + 64 * (b / 2);
            int pair_odd = b & 1;  // an unpaired last block is even, so it lands as the scalar form puts it
            if (q4_order) {
                int single = (b == blocks - 1) && (blocks & 1);
                __m128i low_half = _mm512_cvtepi32_epi8(_mm512_permutex2var_epi32(q0, even, q1));
                __m128i high_half = _mm512_cvtepi32_epi8(_mm512_permutex2var_epi32(q0, odd, q1));
                _mm_storeu_si128((__m128i *)(out + (single ? 0 : pair_odd * 16)), low_half);
                _mm_storeu_si128((__m128i *)(out + (single ? 16 : 32 + pair_odd * 16)), high_half);
            } else {
                _mm_storeu_si128((__m128i *)(out + pair_odd * 32), _mm512_cvtepi32_epi8(q0));
                _mm_storeu_si128((__m128i *)(out + pair_odd * 32 + 16), _mm512_cvtepi32_epi8(q1));
            }
        }
        if (!q4_order && lane_correction) {
            // −128 · Σ of each 4-byte lane: vpdpbusd with all-ones unsigned bytes sums the lane.
            const int8_t *q = xq + (size_t)r * c;
            int32_t *corr = lane_correction + (size_t)r * (blocks / 2) * 16;
            const __m512i ones = _mm512_set1_epi8(1);
            for (int p = 0; p < blocks / 2; p++) {
                __m512i lane_sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, _mm512_loadu_si512((const void *)(q + 64 * p)));
                _mm512_storeu_si512((void *)(corr + 16 * p), _mm512_slli_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), lane_sums), 7));
            }
        }
    }
}

void rounds_quantize_activations(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq, float *dx,
                                 float *xsum, int32_t *lane_correction) {
    if (rounds_has_vnni512())
        quantize_avx512(x, m, c, ldx, q4_order, xq, dx, xsum, lane_correction);
    else if (rounds_has_avx2())
        rounds_quantize_activations_avx2(x, m, c, ldx, q4_order, xq, dx, xsum, lane_correction);
    else
        quantize_scalar(x, m, c, ldx, q4_order, xq, dx, xsum, lane_correction);
}

VNNI static inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

/// The sum of n products a[i]·b[i] (offsets met by activation sums).
VNNI static inline float dot_floats(const float *a, const float *b, int n) {
    __m512 acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), acc);
    }
    return hsum512(acc);
}

/// The activation scales of m rows spread over the 16 lanes of each block pair's dot product
/// (`lane_block` gives the block of each lane), once per call: the inner loops then read one
/// vector per row and pair instead of gathering two scales.
VNNI static float *spread_scales(const float *dx, int m, int blocks, __m512i lane_block) {
    const int pairs = blocks / 2;
    float *dxe = aligned_alloc(64, sizeof(float) * 16 * (size_t)(m * pairs > 0 ? m * pairs : 1));
    if (!dxe) return NULL;
    for (int r = 0; r < m; r++)
        for (int p = 0; p < pairs; p++)
            _mm512_store_ps(dxe + ((size_t)r * pairs + p) * 16, _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(
                _mm_castpd_ps(_mm_load_sd((const double *)(dx + r * blocks + 2 * p))))));
    return dxe;
}

/// Up to 8 activation rows against one output row's block pairs: the weights are unpacked once
/// per pair and met by every row (R is a constant at each call, so acc stays in registers).
#define ROW_BLOCK 8

/// One Q4_1 output row against rows r0..<r0+R: Σ over pairs of (dot · dw · dx) per lane.
VNNI static inline __attribute__((always_inline)) void q4_1_rows(const uint8_t *wq, const float *wd, int pairs, int c,
                                                                 const int8_t *xq, const float *dxe, int r0, int R,
                                                                 __m512 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    // Lane → block of the pair: [0,0,0,0,1,1,1,1,0,0,0,0,1,1,1,1].
    const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
    for (int i = 0; i < R; i++) acc[i] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(wq + 32 * p));
        __m256i lo = _mm256_and_si256(bytes, low4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
        __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
        __m512 dw = _mm512_permutexvar_ps(lane_block, _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd((const double *)(wd + 2 * p)))));
        for (int i = 0; i < R; i++) {
            size_t r = (size_t)(r0 + i);
            __m512i x = _mm512_loadu_si512((const void *)(xq + r * c + 64 * p));
            __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, x);
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, _mm512_load_ps(dxe + (r * pairs + p) * 16)), acc[i]);
        }
    }
}

/// Rows `first..<last` of a Q4_1 matrix (C = 32·blocks) times `m` quantized activation rows.
VNNI void rounds_q4_1_matmul_vnni(const uint8_t *quants, const float *scales, const float *offsets, int blocks,
                                  int first, int last, const int8_t *xq, const float *dx, const float *xsum, int m,
                                  float *out, int ldo, int accumulate) {
    const int c = 32 * blocks, pairs = blocks / 2;
    float *dxe = spread_scales(dx, m, blocks, _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1));
    if (!dxe) abort();
    for (int o = first; o < last; o++) {
        const uint8_t *wq = quants + (size_t)o * blocks * 16;
        const float *wd = scales + (size_t)o * blocks, *wm = offsets + (size_t)o * blocks;
        for (int r0 = 0; r0 < m; r0 += ROW_BLOCK) {
            int rows = m - r0 < ROW_BLOCK ? m - r0 : ROW_BLOCK;
            __m512 acc[ROW_BLOCK];
            switch (rows) {  // a constant row count at each call, so the loops unroll
            case 8: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 8, acc); break;
            case 7: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 7, acc); break;
            case 6: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 6, acc); break;
            case 5: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 5, acc); break;
            case 4: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 4, acc); break;
            case 3: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 3, acc); break;
            case 2: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 2, acc); break;
            default: q4_1_rows(wq, wd, pairs, c, xq, dxe, r0, 1, acc); break;
            }
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum512(acc[i]);
                if (blocks & 1) y += q4_1_unpaired_block(wq, wd, xq, dx, blocks, c, r);
                // The offsets meet the exact activation sums: Σ_b m_b · Σ_j x_j.
                y += dot_floats(wm, xsum + r * blocks, blocks);
                store_output(out, ldo, r, o, y, accumulate);
            }
        }
    }
    free(dxe);
}

/// One byte-per-weight output row against rows r0..<r0+R (see rounds_byte_matmul_vnni).
VNNI static inline __attribute__((always_inline)) void byte_rows(const uint8_t *wq, const float *wd, int pairs, int c,
                                                                 int per_pair, __m512i lane_group, __m512i flip_bits,
                                                                 const int8_t *xq, const float *dxe,
                                                                 const int32_t *lane_correction, int r0, int R, __m512 *acc) {
    const __mmask16 scale_lanes = (__mmask16)((1u << per_pair) - 1);
    for (int i = 0; i < R; i++) acc[i] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m512i w = _mm512_xor_si512(_mm512_loadu_si512((const void *)(wq + 64 * p)), flip_bits);
        __m512 dw = _mm512_permutexvar_ps(lane_group, _mm512_maskz_loadu_ps(scale_lanes, wd + per_pair * p));
        for (int i = 0; i < R; i++) {
            size_t r = (size_t)(r0 + i);
            __m512i x = _mm512_loadu_si512((const void *)(xq + r * c + 64 * p));
            // Σ (l+128)·x − 128·Σx per lane of 4 bytes.
            __m512i corr = _mm512_loadu_si512((const void *)(lane_correction + (r * pairs + p) * 16));
            __m512i dot = _mm512_dpbusd_epi32(corr, w, x);
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, _mm512_load_ps(dxe + (r * pairs + p) * 16)), acc[i]);
        }
    }
}

/// Rows `first..<last` of a matrix of one byte per weight times `m` activation rows quantized
/// in natural order, with a scale per group of `group` weights (32: Q8_0, whose bytes are
/// q + 128; 16: int8x16, whose bytes are signed levels l, made unsigned here by flipping their
/// top bit). Σ(l+128)·x − 128·Σx is corrected per lane; a zmm of 64 weights holds two
/// activation blocks (lanes 0–7, 8–15) and 64 / group weight groups (4 lanes per 16 weights).
/// With offsets (int8x16 only; NULL for none), xsum16 (m × c/16) holds the exact activation
/// sums they meet.
VNNI void rounds_byte_matmul_vnni(const uint8_t *quants, const float *scales, const float *offsets, int group, int blocks,
                                  int first, int last, const int8_t *xq, const float *dx, const int32_t *lane_correction,
                                  const float *xsum16, int m, float *out, int ldo, int accumulate) {
    const int c = 32 * blocks, pairs = blocks / 2, groups = c / group, per_pair = 64 / group;
    const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i lane_group = group == 16 ? _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3) : lane_block;
    const uint8_t flip = group == 16 ? 0x80 : 0;
    const __m512i flip_bits = _mm512_set1_epi8((char)flip);
    float *dxe = spread_scales(dx, m, blocks, lane_block);
    if (!dxe) abort();
    for (int o = first; o < last; o++) {
        const uint8_t *wq = quants + (size_t)o * c;
        const float *wd = scales + (size_t)o * groups;
        for (int r0 = 0; r0 < m; r0 += ROW_BLOCK) {
            int rows = m - r0 < ROW_BLOCK ? m - r0 : ROW_BLOCK;
            __m512 acc[ROW_BLOCK];
#define BYTE_ROWS(R) byte_rows(wq, wd, pairs, c, per_pair, lane_group, flip_bits, xq, dxe, lane_correction, r0, R, acc)
            switch (rows) {  // a constant row count at each call, so the loops unroll
            case 8: BYTE_ROWS(8); break;
            case 7: BYTE_ROWS(7); break;
            case 6: BYTE_ROWS(6); break;
            case 5: BYTE_ROWS(5); break;
            case 4: BYTE_ROWS(4); break;
            case 3: BYTE_ROWS(3); break;
            case 2: BYTE_ROWS(2); break;
            default: BYTE_ROWS(1); break;
            }
#undef BYTE_ROWS
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum512(acc[i]);
                if (blocks & 1) {  // a last, unpaired block
                    int b = blocks - 1;
                    const int8_t *x = xq + (size_t)r * c + 64 * pairs;
                    for (int g = 0; g < 32 / group; g++) {
                        int dot = 0;
                        for (int j = 0; j < group; j++) dot += (int8_t)(wq[32 * b + group * g + j] ^ flip ^ 0x80) * x[group * g + j];
                        y += wd[(32 / group) * b + g] * dx[r * blocks + b] * (float)dot;
                    }
                }
                if (offsets) y += dot_floats(offsets + (size_t)o * groups, xsum16 + (size_t)r * groups, groups);
                store_output(out, ldo, r, o, y, accumulate);
            }
        }
    }
    free(dxe);
}

void rounds_group_sums16(const float *x, int m, int c, int ldx, float *out) {
    for (int r = 0; r < m; r++)
        for (int g = 0; g < c / 16; g++) {
            float s = 0;
            for (int j = 0; j < 16; j++) s += x[(size_t)r * ldx + 16 * g + j];
            out[(size_t)r * (c / 16) + g] = s;
        }
}
