// Quantized matrix products with f32 activations: W (ggml Q4_1 / Q8_0 rows) · x.
// For a Q4_1 block (d, m, q[32]): Σ (d·q_j + m)·x_j = d·Σ q_j·x_j + m·Σ x_j. The block sums are
// accumulated in a fixed order per row, so a row's result does not depend on the batch around it.
#include "kernels.h"
#include "cpu.h"

// Tokens per group: a weight block is unpacked once for the group's tokens.
#define TOKEN_GROUP 4
#define WIDE_GROUP 8
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) { mant <<= 1; exp--; }
            mant &= 0x3FF;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000 | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

// ---- portable reference versions (also the fallback) ----

static float dot_q4_1_scalar(const uint8_t *row, const float *x, int blocks) {
    float sum = 0;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *blk = row + 20 * b;
        uint16_t dh, mh;
        memcpy(&dh, blk, 2);
        memcpy(&mh, blk + 2, 2);
        const float d = f16_to_f32(dh), m = f16_to_f32(mh);
        const uint8_t *qs = blk + 4;
        const float *xb = x + 32 * b;
        float sq = 0, sx = 0;
        for (int j = 0; j < 16; j++) {
            sq += (float)(qs[j] & 0x0F) * xb[j] + (float)(qs[j] >> 4) * xb[j + 16];
            sx += xb[j] + xb[j + 16];
        }
        sum += d * sq + m * sx;
    }
    return sum;
}

static float dot_q8_0_scalar(const uint8_t *row, const float *x, int blocks) {
    float sum = 0;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *blk = row + 34 * b;
        uint16_t dh;
        memcpy(&dh, blk, 2);
        const float d = f16_to_f32(dh);
        const int8_t *qs = (const int8_t *)(blk + 2);
        const float *xb = x + 32 * b;
        float sq = 0;
        for (int j = 0; j < 32; j++) sq += (float)qs[j] * xb[j];
        sum += d * sq;
    }
    return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}


// Σx of each 32-wide block of x as 8 partial sums, (x0+x1)+(x2+x3): computed once per token for all rows.
// sx: (n, blocks, 8).
__attribute__((target("avx2,fma")))
static void block_sums_avx2(const float *x, int cols, int n, float *sx) {
    const int blocks = cols / 32;
    for (int t = 0; t < n; t++) {
        for (int b = 0; b < blocks; b++) {
            const float *xb = x + (size_t)t * cols + 32 * b;
            const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(xb), _mm256_loadu_ps(xb + 8)),
                                           _mm256_add_ps(_mm256_loadu_ps(xb + 16), _mm256_loadu_ps(xb + 24)));
            _mm256_storeu_ps(sx + ((size_t)t * blocks + b) * 8, s);
        }
    }
}

// Dot products of one row with up to TOKEN_GROUP tokens: each weight block
// is unpacked once and used for every token of the group.
__attribute__((target("avx2,fma,f16c")))
static void group_q4_1_avx2(const uint8_t *row, const float *x, const float *sx, int cols, int nt, int blocks, float *out, int ldy) {
    __m256 acc[TOKEN_GROUP];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *blk = row + 20 * b;
        uint16_t dh, mh;
        memcpy(&dh, blk, 2);
        memcpy(&mh, blk + 2, 2);
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(dh)), m = _mm256_set1_ps(_cvtsh_ss(mh));
        const __m128i q = _mm_loadu_si128((const __m128i *)(blk + 4));
        const __m128i lo = _mm_and_si128(q, _mm_set1_epi8(0x0F));
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0F));
        const __m256 q0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo));
        const __m256 q1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
        const __m256 q2 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi));
        const __m256 q3 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
        for (int t = 0; t < nt; t++) {
            const float *xb = x + (size_t)t * cols + 32 * b;
            __m256 sq = _mm256_mul_ps(q0, _mm256_loadu_ps(xb));
            sq = _mm256_fmadd_ps(q1, _mm256_loadu_ps(xb + 8), sq);
            sq = _mm256_fmadd_ps(q2, _mm256_loadu_ps(xb + 16), sq);
            sq = _mm256_fmadd_ps(q3, _mm256_loadu_ps(xb + 24), sq);
            acc[t] = _mm256_fmadd_ps(d, sq, acc[t]);
            acc[t] = _mm256_fmadd_ps(m, _mm256_loadu_ps(sx + ((size_t)t * blocks + b) * 8), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(size_t)t * ldy] = hsum(acc[t]);
}

__attribute__((target("avx2,fma,f16c")))
static void group_q8_0_avx2(const uint8_t *row, const float *x, const float *sx, int cols, int nt, int blocks, float *out, int ldy) {
    (void)sx;
    __m256 acc[TOKEN_GROUP];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *blk = row + 34 * b;
        uint16_t dh;
        memcpy(&dh, blk, 2);
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(dh));
        const __m256i q = _mm256_loadu_si256((const __m256i *)(blk + 2));
        const __m128i qlo = _mm256_castsi256_si128(q), qhi = _mm256_extracti128_si256(q, 1);
        const __m256 q0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(qlo));
        const __m256 q1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(qlo, 8)));
        const __m256 q2 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(qhi));
        const __m256 q3 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(qhi, 8)));
        for (int t = 0; t < nt; t++) {
            const float *xb = x + (size_t)t * cols + 32 * b;
            __m256 sq = _mm256_mul_ps(q0, _mm256_loadu_ps(xb));
            sq = _mm256_fmadd_ps(q1, _mm256_loadu_ps(xb + 8), sq);
            sq = _mm256_fmadd_ps(q2, _mm256_loadu_ps(xb + 16), sq);
            sq = _mm256_fmadd_ps(q3, _mm256_loadu_ps(xb + 24), sq);
            acc[t] = _mm256_fmadd_ps(d, sq, acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(size_t)t * ldy] = hsum(acc[t]);
}

// AVX-512: a 32-weight block is two 16-wide vectors; groups of 8 tokens.
// sx: Σx of each block as 16 partial sums, x[0:16] + x[16:32]: (n, blocks, 16).
__attribute__((target("avx512f")))
static void block_sums_avx512(const float *x, int cols, int n, float *sx) {
    const int blocks = cols / 32;
    for (int t = 0; t < n; t++) {
        for (int b = 0; b < blocks; b++) {
            const float *xb = x + (size_t)t * cols + 32 * b;
            _mm512_storeu_ps(sx + ((size_t)t * blocks + b) * 16, _mm512_add_ps(_mm512_loadu_ps(xb), _mm512_loadu_ps(xb + 16)));
        }
    }
}

__attribute__((target("avx512f,avx512bw,f16c")))
static void group_q4_1_avx512(const uint8_t *row, const float *x, const float *sx, int cols, int nt, int blocks, float *out, int ldy) {
    __m512 acc[WIDE_GROUP];
    for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *blk = row + 20 * b;
        uint16_t dh, mh;
        memcpy(&dh, blk, 2);
        memcpy(&mh, blk + 2, 2);
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(dh)), m = _mm512_set1_ps(_cvtsh_ss(mh));
        const __m128i q = _mm_loadu_si128((const __m128i *)(blk + 4));
        const __m128i lo = _mm_and_si128(q, _mm_set1_epi8(0x0F));                       // weights 0..15
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0F));   // weights 16..31
        const __m512 q0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(lo));
        const __m512 q1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(hi));
        for (int t = 0; t < nt; t++) {
            const float *xb = x + (size_t)t * cols + 32 * b;
            __m512 sq = _mm512_mul_ps(q0, _mm512_loadu_ps(xb));
            sq = _mm512_fmadd_ps(q1, _mm512_loadu_ps(xb + 16), sq);
            acc[t] = _mm512_fmadd_ps(d, sq, acc[t]);
            acc[t] = _mm512_fmadd_ps(m, _mm512_loadu_ps(sx + ((size_t)t * blocks + b) * 16), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(size_t)t * ldy] = _mm512_reduce_add_ps(acc[t]);
}

__attribute__((target("avx512f,avx512bw,f16c")))
static void group_q8_0_avx512(const uint8_t *row, const float *x, const float *sx, int cols, int nt, int blocks, float *out, int ldy) {
    (void)sx;
    __m512 acc[WIDE_GROUP];
    for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *blk = row + 34 * b;
        uint16_t dh;
        memcpy(&dh, blk, 2);
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(dh));
        const __m128i qlo = _mm_loadu_si128((const __m128i *)(blk + 2)), qhi = _mm_loadu_si128((const __m128i *)(blk + 18));
        const __m512 q0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(qlo));
        const __m512 q1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(qhi));
        for (int t = 0; t < nt; t++) {
            const float *xb = x + (size_t)t * cols + 32 * b;
            __m512 sq = _mm512_mul_ps(q0, _mm512_loadu_ps(xb));
            sq = _mm512_fmadd_ps(q1, _mm512_loadu_ps(xb + 16), sq);
            acc[t] = _mm512_fmadd_ps(d, sq, acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(size_t)t * ldy] = _mm512_reduce_add_ps(acc[t]);
}
#endif

static int avx512_available(void) { return tnlp_cpu_level() >= 2; }

static int simd_available(void) { return tnlp_cpu_level() >= 1; }



typedef float (*dot_fn)(const uint8_t *row, const float *x, int blocks);
typedef void (*group_fn)(const uint8_t *row, const float *x, const float *sx, int cols, int nt, int blocks, float *out, int ldy);

// Rows [r0, r1) against tokens in groups: the SIMD group kernel when available, else one dot per token.
static void matmul(const void *w, int block_bytes, dot_fn dot, group_fn group, int group_size, int sum_width, int cols,
                   int r0, int r1, const float *x, const float *sx, int n, float *y, int ldy) {
    const int blocks = cols / 32;
    const uint8_t *base = (const uint8_t *)w;
    for (int t0 = 0; t0 < n; t0 += group_size) {
        const int t1 = t0 + group_size < n ? t0 + group_size : n;
        for (int r = r0; r < r1; r++) {
            const uint8_t *row = base + (size_t)r * block_bytes * blocks;
            if (group) {
                group(row, x + (size_t)t0 * cols, sx ? sx + (size_t)t0 * blocks * sum_width : 0, cols, t1 - t0, blocks,
                      y + (size_t)t0 * ldy + r, ldy);
            } else {
                for (int t = t0; t < t1; t++) y[(size_t)t * ldy + r] = dot(row, x + (size_t)t * cols, blocks);
            }
        }
    }
}

// The kernels for a type: block size, portable dot, SIMD group kernel with its token group and the width
// of the x block sums it wants (0: none).
struct kernels { int block_bytes; dot_fn dot; group_fn group; int group_size; int sum_width; };

static struct kernels kernels_for(int type) {
    struct kernels k = { type == 0 ? 20 : 34, type == 0 ? dot_q4_1_scalar : dot_q8_0_scalar, 0, TOKEN_GROUP, 0 };
#if defined(__x86_64__)
    if (avx512_available()) {
        k.group = type == 0 ? group_q4_1_avx512 : group_q8_0_avx512;
        k.group_size = WIDE_GROUP;
        k.sum_width = type == 0 ? 16 : 0;
    } else if (simd_available()) {
        k.group = type == 0 ? group_q4_1_avx2 : group_q8_0_avx2;
        k.sum_width = type == 0 ? 8 : 0;
    }
#endif
    return k;
}

static float *block_sums(int type, const float *x, int cols, int n) {
    const struct kernels k = kernels_for(type);
    if (!k.sum_width) return 0;
    float *sx = malloc(sizeof(float) * k.sum_width * (size_t)n * (cols / 32));
#if defined(__x86_64__)
    if (sx && k.sum_width == 16) block_sums_avx512(x, cols, n, sx);
    if (sx && k.sum_width == 8) block_sums_avx2(x, cols, n, sx);
#endif
    return sx;
}

static void matmul_rows(int type, const void *w, int cols, int r0, int r1, const float *x, const float *sx, int n, float *y, int ldy) {
    struct kernels k = kernels_for(type);
    if (k.sum_width && !sx) k.group = 0;  // out of memory for the sums: the portable path gives the same products
    matmul(w, k.block_bytes, k.dot, k.group, k.group_size, k.sum_width, cols, r0, r1, x, sx, n, y, ldy);
}

struct matmul_job {
    int type, rows, cols, n;
    const void *w;
    const float *x, *sx;
    float *y;
};

static void matmul_part(void *ctx, int part, int parts) {
    const struct matmul_job *j = ctx;
    // Split on multiples of 8 rows so that no part shares a cache line of y with another.
    const int units = (j->rows + 7) / 8;
    int r0 = units * part / parts * 8, r1 = units * (part + 1) / parts * 8;
    if (r1 > j->rows) r1 = j->rows;
    if (r0 < r1) matmul_rows(j->type, j->w, j->cols, r0, r1, j->x, j->sx, j->n, j->y, j->rows);
}

void tnlp_matmul(int type, const void *w, int rows, int cols, const float *x, int n, float *y, long min_parallel) {
    float *sx = block_sums(type, x, cols, n);
    struct matmul_job job = { type, rows, cols, n, w, x, sx, y };
    const long macs = (long)rows * cols * n;
    tnlp_parallel(matmul_part, &job, macs >= min_parallel ? tnlp_threads() : 1);
    free(sx);
}
