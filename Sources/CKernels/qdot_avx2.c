// The decode-time products of qdot.c for a CPU with AVX2 but without AVX-512 VNNI (AMD Zen 1–3,
// Intel before Ice Lake, or AVX-512 without VNNI): the same int8 activations in the same byte
// order, multiplied with vpmaddubsw (32 unsigned × signed byte products, summed in pairs to
// int16) and vpmaddwd (pairs of int16 summed to int32), as llama.cpp's AVX2 path does
// (ggml-cpu quants.c, mul_sum_us8_pairs_float / mul_sum_i8_pairs_float).
//
// No int16 sum can saturate: a Q4_1 nibble (0–15) times an activation (−127…127), two per
// int16 and the low and high nibble halves added, is at most 4·15·127 = 7620; a byte weight is
// made a magnitude (0–128) with the activation carrying its sign, two per int16: 2·128·127 =
// 32512 < 32767. So, unlike the VNNI kernels, Q8_0 needs no lane correction here.
//
// Layouts as in qdot.c: a Q4_1 block pair's 32 nibble bytes are two ymm registers once split,
// [lo(blk0) lo(blk1)] and [hi(blk0) hi(blk1)], which meet the activations' first and second 32
// bytes of the pair; int32 lanes 0–3 belong to block 0, 4–7 to block 1. A byte matrix's pair is
// two ymm registers of one block each, activations in natural order.
#include "CKernels.h"
#include "qdot_rows.h"

#include <immintrin.h>
#include <stdlib.h>

/// The target of every function here (chosen at run time: rounds_has_avx2).
#define AVX2 __attribute__((target("avx2,fma")))

/// Rows of activations met by each unpacked weight pair: 4 accumulators and the unpacked
/// weights fit the 16 ymm registers.
#define ROW_BLOCK_AVX2 4

AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// The sum of n products a[i]·b[i] (offsets met by activation sums).
AVX2 static inline float dot_floats_avx2(const float *a, const float *b, int n) {
    __m256 acc = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    float y = hsum256(acc);
    for (; i < n; i++) y += a[i] * b[i];
    return y;
}

/// The int32 lanes of 32 products of unsigned bytes u and signed bytes s, 4 products a lane.
AVX2 static inline __m256i dot_u8_s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// One Q4_1 output row against activation rows r0..<r0+R.
AVX2 static inline __attribute__((always_inline)) void q4_1_rows_avx2(const uint8_t *wq, const float *wd, int pairs,
                                                                      int c, const int8_t *xq, const float *dxe,
                                                                      int r0, int R, __m256 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    for (int i = 0; i < R; i++) acc[i] = _mm256_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(wq + 32 * p));
        __m256i lo = _mm256_and_si256(bytes, low4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
        __m256 dw = _mm256_setr_m128(_mm_broadcast_ss(wd + 2 * p), _mm_broadcast_ss(wd + 2 * p + 1));
        for (int i = 0; i < R; i++) {
            size_t r = (size_t)(r0 + i);
            const int8_t *x = xq + r * c + 64 * p;
            __m256i sums = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)x)),
                                            _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(x + 32))));
            __m256i dot = _mm256_madd_epi16(sums, ones);
            __m256 dxv = _mm256_load_ps(dxe + (r * pairs + p) * 8);
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, dxv), acc[i]);
        }
    }
}

AVX2 void rounds_q4_1_matmul_avx2(const uint8_t *quants, const float *scales, const float *offsets, int blocks,
                                  int first, int last, const int8_t *xq, const float *dx, const float *xsum, int m,
                                  float *out, int ldo, int accumulate) {
    const int c = 32 * blocks, pairs = blocks / 2;
    // The activation scales spread to each pair's lanes once per call: [dx(blk0) ×4, dx(blk1) ×4].
    float *dxe = aligned_alloc(32, sizeof(float) * 8 * (size_t)(m * pairs > 0 ? m * pairs : 1));
    if (!dxe) abort();
    for (int r = 0; r < m; r++)
        for (int p = 0; p < pairs; p++)
            _mm256_store_ps(dxe + ((size_t)r * pairs + p) * 8, _mm256_setr_m128(_mm_broadcast_ss(dx + r * blocks + 2 * p),
                                                                                _mm_broadcast_ss(dx + r * blocks + 2 * p + 1)));
    for (int o = first; o < last; o++) {
        const uint8_t *wq = quants + (size_t)o * blocks * 16;
        const float *wd = scales + (size_t)o * blocks, *wm = offsets + (size_t)o * blocks;
        for (int r0 = 0; r0 < m; r0 += ROW_BLOCK_AVX2) {
            int rows = m - r0 < ROW_BLOCK_AVX2 ? m - r0 : ROW_BLOCK_AVX2;
            __m256 acc[ROW_BLOCK_AVX2];
            switch (rows) {  // a constant row count at each call, so the loops unroll
            case 4: q4_1_rows_avx2(wq, wd, pairs, c, xq, dxe, r0, 4, acc); break;
            case 3: q4_1_rows_avx2(wq, wd, pairs, c, xq, dxe, r0, 3, acc); break;
            case 2: q4_1_rows_avx2(wq, wd, pairs, c, xq, dxe, r0, 2, acc); break;
            default: q4_1_rows_avx2(wq, wd, pairs, c, xq, dxe, r0, 1, acc); break;
            }
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum256(acc[i]);
                if (blocks & 1) y += q4_1_unpaired_block(wq, wd, xq, dx, blocks, c, r);
                // The offsets meet the exact activation sums: Σ_b m_b · Σ_j x_j.
                y += dot_floats_avx2(wm, xsum + r * blocks, blocks);
                store_output(out, ldo, r, o, y, accumulate);
            }
        }
    }
    free(dxe);
}

/// One byte-per-weight output row against activation rows r0..<r0+R, one block (32 weights,
/// one register) at a time: the weights' magnitudes meet the activations carrying the
/// weights' signs. A group of 16 has lanes 0–3 and 4–7 of its block; a group of 32 all 8.
AVX2 static inline __attribute__((always_inline)) void byte_rows_avx2(const uint8_t *wq, const float *wd, int group,
                                                                      int blocks, int c, __m256i flip_bits,
                                                                      const int8_t *xq, const float *dx, int r0,
                                                                      int R, __m256 *acc) {
    for (int i = 0; i < R; i++) acc[i] = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        __m256i w = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(wq + 32 * b)), flip_bits);
        __m256i magnitude = _mm256_abs_epi8(w);  // −128 gives 0x80, which as unsigned is 128
        __m256 dw = group == 16 ? _mm256_setr_m128(_mm_broadcast_ss(wd + 2 * b), _mm_broadcast_ss(wd + 2 * b + 1))
                                : _mm256_broadcast_ss(wd + b);
        for (int i = 0; i < R; i++) {
            size_t r = (size_t)(r0 + i);
            __m256i x = _mm256_loadu_si256((const __m256i *)(xq + r * c + 32 * b));
            __m256i dot = dot_u8_s8(magnitude, _mm256_sign_epi8(x, w));
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, _mm256_broadcast_ss(dx + r * blocks + b)), acc[i]);
        }
    }
}

AVX2 void rounds_byte_matmul_avx2(const uint8_t *quants, const float *scales, const float *offsets, int group,
                                  int blocks, int first, int last, const int8_t *xq, const float *dx,
                                  const float *xsum16, int m, float *out, int ldo, int accumulate) {
    const int c = 32 * blocks, groups = c / group;
    // Q8_0 bytes are q + 128: flipping the top bit gives q; int8x16 levels are signed already.
    const __m256i flip_bits = _mm256_set1_epi8((char)(group == 16 ? 0 : 0x80));
    for (int o = first; o < last; o++) {
        const uint8_t *wq = quants + (size_t)o * c;
        const float *wd = scales + (size_t)o * groups;
        for (int r0 = 0; r0 < m; r0 += ROW_BLOCK_AVX2) {
            int rows = m - r0 < ROW_BLOCK_AVX2 ? m - r0 : ROW_BLOCK_AVX2;
            __m256 acc[ROW_BLOCK_AVX2];
#define BYTE_ROWS(R) byte_rows_avx2(wq, wd, group, blocks, c, flip_bits, xq, dx, r0, R, acc)
            switch (rows) {  // a constant row count at each call, so the loops unroll
            case 4: BYTE_ROWS(4); break;
            case 3: BYTE_ROWS(3); break;
            case 2: BYTE_ROWS(2); break;
            default: BYTE_ROWS(1); break;
            }
#undef BYTE_ROWS
            for (int i = 0; i < rows; i++) {
                int r = r0 + i;
                float y = hsum256(acc[i]);
                if (offsets) y += dot_floats_avx2(offsets + (size_t)o * groups, xsum16 + (size_t)r * groups, groups);
                store_output(out, ldo, r, o, y, accumulate);
            }
        }
    }
}

/// rounds_quantize_activations with AVX2 (qdot.c's scalar form, vectorised): a block of 32 is
/// four registers; vcvtps2dq rounds to nearest even, as lrintf does under the default rounding
/// mode; two packs and a lane permutation give the bytes in natural order, and in Q4_1 order a
/// byte shuffle and a quadword permutation put the even weights before the odd ones.
AVX2 void rounds_quantize_activations_avx2(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq,
                                           float *dx, float *xsum, int32_t *lane_correction) {
    const int blocks = c / 32;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
    const __m256i natural = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m256i even_odd = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
                                              0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    for (int r = 0; r < m; r++) {
        const float *row = x + (size_t)r * ldx;
        for (int b = 0; b < blocks; b++) {
            const float *v = row + 32 * b;
            __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16),
                   v3 = _mm256_loadu_ps(v + 24);
            __m256 a = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                     _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
            __m128 a4 = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
            a4 = _mm_max_ps(a4, _mm_movehl_ps(a4, a4));
            a4 = _mm_max_ss(a4, _mm_movehdup_ps(a4));
            float amax = _mm_cvtss_f32(a4);
            float sum = hsum256(_mm256_add_ps(_mm256_add_ps(v0, v1), _mm256_add_ps(v2, v3)));  // the scalar form's up to rounding order
            float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
            dx[r * blocks + b] = d;
            xsum[r * blocks + b] = sum;
            __m256 s = _mm256_set1_ps(inv);
#define ROUND(v) _mm256_max_epi32(lo, _mm256_min_epi32(hi, _mm256_cvtps_epi32(_mm256_mul_ps(v, s))))
            __m256i q01 = _mm256_packs_epi32(ROUND(v0), ROUND(v1)), q23 = _mm256_packs_epi32(ROUND(v2), ROUND(v3));
#undef ROUND
            __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(q01, q23), natural);
            int8_t *out = xq + (size_t)r * c + 64 * (b / 2);
            int pair_odd = b & 1;  // an unpaired last block is even, so it lands as the scalar form puts it
            if (q4_order) {
                int single = (b == blocks - 1) && (blocks & 1);
                __m256i split = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(bytes, even_odd), _MM_SHUFFLE(3, 1, 2, 0));
                _mm_storeu_si128((__m128i *)(out + (single ? 0 : pair_odd * 16)), _mm256_castsi256_si128(split));
                _mm_storeu_si128((__m128i *)(out + (single ? 16 : 32 + pair_odd * 16)), _mm256_extracti128_si256(split, 1));
            } else {
                _mm256_storeu_si256((__m256i *)(out + pair_odd * 32), bytes);
            }
        }
        if (!q4_order && lane_correction) lane_corrections(xq, r, c, blocks, lane_correction);  // for the VNNI kernels
    }
}
