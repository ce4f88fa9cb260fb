// Attention over the f16 cache with AVX2 + F16C (see attention.c for the layout): a key tile's dimension is
// two 8-wide vectors; values are accumulated 32 dimensions at a time, one head at a time.
#include "attention_simd.h"
#include "vecmath.h"

#include <math.h>
#include <stddef.h>
#if defined(__x86_64__)
#include <immintrin.h>

#define HEADS 4
#define MAX_HD 256
#define ROUND (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

__attribute__((target("avx2,fma,f16c")))
void tnlp_kv_store_avx2(uint16_t *keys, uint16_t *values, int kv_dim, int pos, const float *k, const float *v) {
    uint16_t *tile = keys + (size_t)(pos / TNLP_KV_TILE) * kv_dim * TNLP_KV_TILE + pos % TNLP_KV_TILE;
    for (int c = 0; c < kv_dim; c += 8) {
        uint16_t h[8];
        _mm_storeu_si128((__m128i *)h, _mm256_cvtps_ph(_mm256_loadu_ps(k + c), ROUND));
        for (int i = 0; i < 8; i++) tile[(size_t)(c + i) * TNLP_KV_TILE] = h[i];
        _mm_storeu_si128((__m128i *)(values + (size_t)pos * kv_dim + c), _mm256_cvtps_ph(_mm256_loadu_ps(v + c), ROUND));
    }
}

// e^x, the polynomial of vecmath.h; 2^n built in the exponent bits (n within [-126, 127] for x in [-87, 88]).
__attribute__((target("avx2,fma"), always_inline))
static inline __m256 exp_avx2(__m256 x) {
    const __m256 live = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_MIN), _CMP_GE_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_MIN)), _mm256_set1_ps(EXP_MAX));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(EXP_LOG2E)), ROUND);
    const __m256 minus_n = _mm256_sub_ps(_mm256_setzero_ps(), n);
    const __m256 r = _mm256_fmadd_ps(minus_n, _mm256_set1_ps(EXP_LN2_LO), _mm256_fmadd_ps(minus_n, _mm256_set1_ps(EXP_LN2_HI), x));
    __m256 p = _mm256_set1_ps(EXP_C[6]);
    for (int i = 5; i >= 0; i--) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_C[i]));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(live, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

__attribute__((target("avx2,fma"), always_inline))
static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma,f16c"), always_inline))
static inline void heads_avx2(const tnlp_attention_row *row, int g, int h0, const int GH, int kv_dim, int hd, float scale,
                              float *scores, int stride) {
    const int total = row->total, tiles = (total + TNLP_KV_TILE - 1) / TNLP_KV_TILE;
    float q[HEADS * MAX_HD];
    for (int i = 0; i < GH * hd; i += 8) {
        _mm256_storeu_ps(q + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(row->q + (size_t)h0 * hd + i), ROUND)));
    }
    for (int t = 0; t < tiles; t++) {
        const uint16_t *tile = row->keys + ((size_t)t * kv_dim + g * hd) * TNLP_KV_TILE;
        __m256 s[HEADS][2];
        for (int i = 0; i < GH; i++) s[i][0] = s[i][1] = _mm256_setzero_ps();
        for (int d = 0; d < hd; d++) {
            const __m256 k0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(tile + (size_t)d * TNLP_KV_TILE)));
            const __m256 k1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(tile + (size_t)d * TNLP_KV_TILE + 8)));
            for (int i = 0; i < GH; i++) {
                const __m256 qd = _mm256_broadcast_ss(q + (size_t)i * hd + d);
                s[i][0] = _mm256_fmadd_ps(qd, k0, s[i][0]);
                s[i][1] = _mm256_fmadd_ps(qd, k1, s[i][1]);
            }
        }
        for (int i = 0; i < GH; i++) {
            float *sc = scores + (size_t)i * stride + t * TNLP_KV_TILE;
            _mm256_storeu_ps(sc, _mm256_mul_ps(s[i][0], _mm256_set1_ps(scale)));
            _mm256_storeu_ps(sc + 8, _mm256_mul_ps(s[i][1], _mm256_set1_ps(scale)));
            for (int j = total - t * TNLP_KV_TILE; j < TNLP_KV_TILE; j++) if (j >= 0) sc[j] = -INFINITY;
        }
    }
    for (int i = 0; i < GH; i++) {
        float *sc = scores + (size_t)i * stride;
        float mx = -INFINITY;
        for (int j = 0; j < total; j++) mx = sc[j] > mx ? sc[j] : mx;
        __m256 sum = _mm256_setzero_ps();
        for (int j = 0; j < tiles * TNLP_KV_TILE; j += 8) {
            const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(sc + j), _mm256_set1_ps(mx)));
            _mm256_storeu_ps(sc + j, e);
            sum = _mm256_add_ps(sum, e);
        }
        const __m256 inv = _mm256_set1_ps(1.0f / hsum8(sum));
        for (int j = 0; j < tiles * TNLP_KV_TILE; j += 8) {
            _mm256_storeu_ps(sc + j, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(sc + j), inv), ROUND)));
        }
        for (int d0 = 0; d0 < hd; d0 += 32) {
            __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
            for (int j = 0; j < total; j++) {
                const uint16_t *v = row->values + (size_t)j * kv_dim + g * hd + d0;
                const __m256 p = _mm256_broadcast_ss(sc + j);
                for (int c = 0; c < 4; c++) acc[c] = _mm256_fmadd_ps(p, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + 8 * c))), acc[c]);
            }
            float *out = row->out + (size_t)(h0 + i) * hd + d0;
            for (int c = 0; c < 4; c++) _mm256_storeu_ps(out + 8 * c, acc[c]);
        }
    }
}

__attribute__((target("avx2,fma,f16c")))
void tnlp_attend_avx2(const tnlp_attention_row *row, int g, int heads, int kv_heads, int hd, float scale, float *scores, int stride) {
    const int group = heads / kv_heads, kv_dim = kv_heads * hd;
    for (int h0 = g * group; h0 < (g + 1) * group; h0 += HEADS) {
        switch ((g + 1) * group - h0 < HEADS ? (g + 1) * group - h0 : HEADS) {
        case 1: heads_avx2(row, g, h0, 1, kv_dim, hd, scale, scores, stride); break;
        case 2: heads_avx2(row, g, h0, 2, kv_dim, hd, scale, scores, stride); break;
        case 3: heads_avx2(row, g, h0, 3, kv_dim, hd, scale, scores, stride); break;
        default: heads_avx2(row, g, h0, 4, kv_dim, hd, scale, scores, stride); break;
        }
    }
}
#endif
