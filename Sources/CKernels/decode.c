#include "CKernels.h"

#include <immintrin.h>

void rounds_decode_q4_1(const uint32_t *quants, const float *scales, const float *offsets, int blocks, float *out) {
    const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i low4 = _mm256_set1_epi32(15);
    for (int b = 0; b < blocks; b++) {
        const __m256 d = _mm256_set1_ps(scales[b]), m = _mm256_set1_ps(offsets[b]);
        for (int g = 0; g < 4; g++) {
            __m256i k = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)quants[4 * b + g]), shifts), low4);
            __m256 w = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(k), d), m);
            _mm256_storeu_ps(out + 32 * b + 8 * g, w);
        }
    }
}

void rounds_decode_q8_0(const uint8_t *quants, const float *scales, int blocks, float *out) {
    const __m256i bias = _mm256_set1_epi32(128);
    for (int b = 0; b < blocks; b++) {
        const __m256 d = _mm256_set1_ps(scales[b]);
        for (int g = 0; g < 4; g++) {
            __m128i bytes = _mm_loadl_epi64((const __m128i *)(quants + 32 * b + 8 * g));
            __m256i k = _mm256_sub_epi32(_mm256_cvtepu8_epi32(bytes), bias);
            _mm256_storeu_ps(out + 32 * b + 8 * g, _mm256_mul_ps(_mm256_cvtepi32_ps(k), d));
        }
    }
}

void rounds_decode_bf16(const uint16_t *quants, int count, float *out) {
    int j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(quants + j)));
        _mm256_storeu_ps(out + j, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
    }
    for (; j < count; j++) {
        uint32_t bits = (uint32_t)quants[j] << 16;
        union { uint32_t u; float f; } v = {bits};
        out[j] = v.f;
    }
}
