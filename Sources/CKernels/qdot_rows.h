// The scalar parts both integer kernel sets (qdot.c: AVX-512 VNNI, qdot_avx2.c: AVX2) share:
// the last, unpaired block of a Q4_1 row, the store of one output, and the lane corrections of
// activations quantized for the VNNI byte kernel. Private to CKernels.
#ifndef ROUNDS_QDOT_ROWS_H
#define ROUNDS_QDOT_ROWS_H

#include <stddef.h>
#include <stdint.h>

/// The Q4_1 product of a row's last, unpaired block b = blocks − 1 (its lo half of 16 nibble
/// bytes meets activation bytes 0–15 of the block, its hi half bytes 16–31), scaled.
static inline float q4_1_unpaired_block(const uint8_t *wq, const float *wd, const int8_t *xq, const float *dx,
                                        int blocks, int c, int r) {
    int b = blocks - 1, pairs = blocks / 2;
    const uint8_t *q = wq + 16 * b;
    const int8_t *x = xq + (size_t)r * c + 64 * pairs;
    int dot = 0;
    for (int j = 0; j < 16; j++) dot += (q[j] & 15) * x[j] + (q[j] >> 4) * x[16 + j];
    return wd[b] * dx[r * blocks + b] * (float)dot;
}

/// out[r·ldo + o] = y, or += y when accumulate.
static inline void store_output(float *out, int ldo, int r, int o, float y, int accumulate) {
    float *dst = out + (size_t)r * ldo + o;
    *dst = accumulate ? *dst + y : y;
}

/// −128 · (the sum of each 4-byte lane) of row r's natural-order activation bytes, the start of
/// every VNNI byte-kernel dot (Σ(q+128)·x − 128·Σx).
static inline void lane_corrections(const int8_t *xq, int r, int c, int blocks, int32_t *lane_correction) {
    const int8_t *q = xq + (size_t)r * c;
    int32_t *corr = lane_correction + (size_t)r * (blocks / 2) * 16;
    for (int lane = 0; lane < (blocks / 2) * 16; lane++)
        corr[lane] = -128 * (q[4 * lane] + q[4 * lane + 1] + q[4 * lane + 2] + q[4 * lane + 3]);
}

#endif
