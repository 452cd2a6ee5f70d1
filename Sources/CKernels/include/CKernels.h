// Decoders of Tensor's compact weight encodings (CompactMatrix.swift), written with AVX2
// intrinsics because Swift's generic SIMD integer code compiles the byte and nibble unpacking
// into lane-by-lane shuffles. Each writes the exact fp32 weights: w = float(q)·d (+ m), the
// product rounded before the offset is added (no fused multiply-add; see -ffp-contract=off
// in Package.swift), as the GGUF reader computes them.
#ifndef ROUNDS_CKERNELS_H
#define ROUNDS_CKERNELS_H

#include <stdint.h>

/// `blocks` Q4_1 blocks of 32 weights: quants (blocks × 4 words, word g holding weights
/// 8g…8g+7 in bits 4i…4i+3), scales d and offsets m per block, into out (32 · blocks).
void rounds_decode_q4_1(const uint32_t *quants, const float *scales, const float *offsets, int blocks, float *out);

/// `blocks` Q8_0 blocks of 32 weights: quants (blocks × 32 bytes, q + 128), scales d per
/// block, into out (32 · blocks).
void rounds_decode_q8_0(const uint8_t *quants, const float *scales, int blocks, float *out);

/// `count` BF16 weights (the upper halves of fp32 bit patterns) into out (count).
void rounds_decode_bf16(const uint16_t *quants, int count, float *out);

/// 1 when the CPU runs the AVX-512 VNNI kernels below (qdot.c).
int rounds_has_vnni512(void);

/// 1 when the CPU runs the AVX2 kernels below (qdot_avx2.c).
int rounds_has_avx2(void);

/// Quantizes m activation rows x (ldx apart, c = 32·blocks each) per block of 32 to int8 with
/// scale dx = max|x|/127, into xq (m × c bytes) in the byte order the kernels read: the Q4_1
/// nibble order when q4_order, else natural order; dx and the exact block sums xsum are
/// (m × blocks). For Q8_0 (q4_order 0), lane_correction (m × blocks/2 × 16) gets −128 × the
/// sum of each 4-byte lane (the VNNI kernels need it; NULL for none). The same bytes whichever
/// instructions form them (AVX-512, AVX2 or scalar).
void rounds_quantize_activations(const float *x, int m, int c, int ldx, int q4_order, int8_t *xq, float *dx,
                                 float *xsum, int32_t *lane_correction);

/// out[r·ldo + o] (= or += when accumulate) Σ_j w[o][j]·x̂[r][j] for rows o in first..<last of a
/// Q4_1 matrix (CompactMatrix layout) and the m activation rows quantized in Q4_1 order.
void rounds_q4_1_matmul_vnni(const uint8_t *quants, const float *scales, const float *offsets, int blocks,
                             int first, int last, const int8_t *xq, const float *dx, const float *xsum, int m,
                             float *out, int ldo, int accumulate);

/// The same for a matrix of one byte per weight with a scale per `group` weights, and
/// activations quantized in natural order with lane corrections: Q8_0 (group 32, bytes q + 128,
/// offsets NULL) or int8x16 (group 16, signed Int8 levels: GGUF Q5_K and Q6_K). With offsets
/// (one per group; NULL for none), xsum16 (m × c/16) holds the exact activation sums per group
/// of 16, which meet the offsets as in Q4_1.
void rounds_byte_matmul_vnni(const uint8_t *quants, const float *scales, const float *offsets, int group, int blocks,
                             int first, int last, const int8_t *xq, const float *dx, const int32_t *lane_correction,
                             const float *xsum16, int m, float *out, int ldo, int accumulate);

/// rounds_q4_1_matmul_vnni with AVX2 (vpmaddubsw): the same arguments and results.
void rounds_q4_1_matmul_avx2(const uint8_t *quants, const float *scales, const float *offsets, int blocks,
                             int first, int last, const int8_t *xq, const float *dx, const float *xsum, int m,
                             float *out, int ldo, int accumulate);

/// rounds_byte_matmul_vnni with AVX2: the same arguments but for the lane corrections, which
/// this form does not need.
void rounds_byte_matmul_avx2(const uint8_t *quants, const float *scales, const float *offsets, int group, int blocks,
                             int first, int last, const int8_t *xq, const float *dx, const float *xsum16, int m,
                             float *out, int ldo, int accumulate);

/// The exact sums of each group of 16 of m activation rows (ldx apart, c each) into out (m × c/16).
void rounds_group_sums16(const float *x, int m, int c, int ldx, float *out);

#endif
