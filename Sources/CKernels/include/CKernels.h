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

#endif
