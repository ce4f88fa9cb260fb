// Causal attention over an f16 KV cache, for every query row of a batch at once (decode and prefill alike).
// Scores: keys are tiled (kv_dim, 16 positions), so one vector FMA advances 16 positions by one dimension and
// no horizontal sums are needed; the heads that share a KV head read each tile once.
// Values: rows, accumulated 64 dimensions at a time with each position's weight broadcast.
// As in llama.cpp with an f16 cache, the query and the softmax weights are rounded to f16 before their
// products (accumulated in f32), so the two engines compute the same attention.
#include "attention.h"
#include "kernels.h"
#include "cpu.h"
#include "vecmath.h"
#include "attention_simd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define HEADS_AT_ONCE 4
#define MAX_HEAD_DIM 256   // the AVX-512 path's limit

static inline uint16_t to_half(float v) { _Float16 h = (_Float16)v; uint16_t b; memcpy(&b, &h, 2); return b; }
static inline float from_half(uint16_t b) { _Float16 h; memcpy(&h, &b, 2); return (float)h; }

static inline size_t key_index(int kv_dim, int pos, int c) {
    return ((size_t)(pos / TNLP_KV_TILE) * kv_dim + c) * TNLP_KV_TILE + pos % TNLP_KV_TILE;
}

#if defined(__x86_64__)
__attribute__((target("avx512f,f16c")))
static void kv_store_avx512(uint16_t *keys, uint16_t *values, int kv_dim, int pos, const float *k, const float *v) {
    uint16_t *tile = keys + (size_t)(pos / TNLP_KV_TILE) * kv_dim * TNLP_KV_TILE + pos % TNLP_KV_TILE;
    for (int c = 0; c < kv_dim; c += 16) {
        uint16_t h[16];
        _mm256_storeu_si256((__m256i *)h, _mm512_cvtps_ph(_mm512_loadu_ps(k + c), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        for (int i = 0; i < 16; i++) tile[(size_t)(c + i) * TNLP_KV_TILE] = h[i];
        _mm256_storeu_si256((__m256i *)(values + (size_t)pos * kv_dim + c),
                            _mm512_cvtps_ph(_mm512_loadu_ps(v + c), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
}
#endif

// 2: AVX-512, 1: AVX2 + FMA + F16C, 0: portable C.
static int simd_level(void) { return tnlp_cpu_level() >= 2 ? 2 : tnlp_cpu_level(); }

void tnlp_kv_store(uint16_t *keys, uint16_t *values, int kv_dim, int pos, const float *k, const float *v) {
#if defined(__x86_64__)
    if (kv_dim % 16 == 0 && simd_level() == 2) { kv_store_avx512(keys, values, kv_dim, pos, k, v); return; }
    if (kv_dim % 16 == 0 && simd_level() == 1) { tnlp_kv_store_avx2(keys, values, kv_dim, pos, k, v); return; }
#endif
    for (int c = 0; c < kv_dim; c++) {
        keys[key_index(kv_dim, pos, c)] = to_half(k[c]);
        values[(size_t)pos * kv_dim + c] = to_half(v[c]);
    }
}

void tnlp_kv_load(const uint16_t *keys, const uint16_t *values, int kv_dim, int pos, float *k, float *v) {
    for (int c = 0; c < kv_dim; c++) {
        k[c] = from_half(keys[key_index(kv_dim, pos, c)]);
        v[c] = from_half(values[(size_t)pos * kv_dim + c]);
    }
}

// ---- portable path: one (row, kv head) ----

static void attend_scalar(const tnlp_attention_row *row, int g, int heads, int kv_heads, int hd, float scale, float *scores) {
    const int kv_dim = kv_heads * hd, group = heads / kv_heads, total = row->total;
    for (int h = g * group; h < (g + 1) * group; h++) {
        const float *q = row->q + (size_t)h * hd;
        float mx = -INFINITY;
        for (int j = 0; j < total; j++) {
            float s = 0;
            for (int d = 0; d < hd; d++) s = fmaf(from_half(to_half(q[d])), from_half(row->keys[key_index(kv_dim, j, g * hd + d)]), s);
            scores[j] = s * scale;
            if (scores[j] > mx) mx = scores[j];
        }
        float sum = 0;
        for (int j = 0; j < total; j++) {
            scores[j] = exp_scalar(scores[j] - mx);
            sum += scores[j];
        }
        const float inv = 1.0f / sum;
        float *out = row->out + (size_t)h * hd;
        for (int d = 0; d < hd; d++) out[d] = 0;
        for (int j = 0; j < total; j++) {
            const float p = from_half(to_half(scores[j] * inv));
            const uint16_t *v = row->values + (size_t)j * kv_dim + g * hd;
            for (int d = 0; d < hd; d++) out[d] = fmaf(p, from_half(v[d]), out[d]);
        }
    }
}

// ---- AVX-512 path ----

#if defined(__x86_64__)
// Heads [h0, h0 + GH) of KV head g. GH is a constant in each instantiation.
__attribute__((target("avx512f,f16c"), always_inline))
static inline void attend_heads_avx512(const tnlp_attention_row *row, int g, int h0, const int GH, int kv_dim, int hd,
                                       float scale, float *scores, int stride) {
    const int total = row->total, tiles = (total + TNLP_KV_TILE - 1) / TNLP_KV_TILE;
    float q[HEADS_AT_ONCE * MAX_HEAD_DIM];   // the heads' queries rounded to f16
    for (int i = 0; i < GH * hd; i += 16) {
        const __m512 v = _mm512_loadu_ps(row->q + (size_t)h0 * hd + i);
        _mm512_storeu_ps(q + i, _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
    }
    __m512 mx[HEADS_AT_ONCE];
    for (int i = 0; i < GH; i++) mx[i] = _mm512_set1_ps(-INFINITY);
    for (int t = 0; t < tiles; t++) {
        const uint16_t *tile = row->keys + ((size_t)t * kv_dim + g * hd) * TNLP_KV_TILE;
        __m512 s[HEADS_AT_ONCE];
        for (int i = 0; i < GH; i++) s[i] = _mm512_setzero_ps();
        for (int d = 0; d < hd; d++) {
            const __m512 k = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(tile + (size_t)d * TNLP_KV_TILE)));
            for (int i = 0; i < GH; i++) s[i] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)i * hd + d]), k, s[i]);
        }
        const int valid = total - t * TNLP_KV_TILE;
        const __mmask16 live = valid >= 16 ? 0xFFFF : (__mmask16)((1u << valid) - 1);
        for (int i = 0; i < GH; i++) {
            const __m512 v = _mm512_mask_mov_ps(_mm512_set1_ps(-INFINITY), live, _mm512_mul_ps(s[i], _mm512_set1_ps(scale)));
            _mm512_storeu_ps(scores + (size_t)i * stride + t * TNLP_KV_TILE, v);
            mx[i] = _mm512_max_ps(mx[i], v);
        }
    }
    for (int i = 0; i < GH; i++) {
        const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx[i]));
        __m512 sum = _mm512_setzero_ps();
        for (int t = 0; t < tiles; t++) {
            float *sc = scores + (size_t)i * stride + t * TNLP_KV_TILE;
            const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(sc), m));   // -inf lanes give 0
            _mm512_storeu_ps(sc, e);
            sum = _mm512_add_ps(sum, e);
        }
        const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
        for (int t = 0; t < tiles; t++) {
            float *sc = scores + (size_t)i * stride + t * TNLP_KV_TILE;
            const __m512 p = _mm512_mul_ps(_mm512_loadu_ps(sc), inv);
            _mm512_storeu_ps(sc, _mm512_cvtph_ps(_mm512_cvtps_ph(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        }
    }
    for (int d0 = 0; d0 < hd; d0 += 64) {
        __m512 acc[HEADS_AT_ONCE][4];
        for (int i = 0; i < GH; i++) for (int c = 0; c < 4; c++) acc[i][c] = _mm512_setzero_ps();
        for (int j = 0; j < total; j++) {
            const uint16_t *v = row->values + (size_t)j * kv_dim + g * hd + d0;
            __m512 vv[4];
            for (int c = 0; c < 4; c++) vv[c] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + 16 * c)));
            for (int i = 0; i < GH; i++) {
                const __m512 p = _mm512_set1_ps(scores[(size_t)i * stride + j]);
                for (int c = 0; c < 4; c++) acc[i][c] = _mm512_fmadd_ps(p, vv[c], acc[i][c]);
            }
        }
        for (int i = 0; i < GH; i++) {
            float *out = row->out + (size_t)(h0 + i) * hd + d0;
            for (int c = 0; c < 4; c++) _mm512_storeu_ps(out + 16 * c, acc[i][c]);
        }
    }
}

__attribute__((target("avx512f,f16c")))
static void attend_avx512(const tnlp_attention_row *row, int g, int heads, int kv_heads, int hd, float scale, float *scores, int stride) {
    const int group = heads / kv_heads, kv_dim = kv_heads * hd;
    for (int h0 = g * group; h0 < (g + 1) * group; h0 += HEADS_AT_ONCE) {
        switch ((g + 1) * group - h0 < HEADS_AT_ONCE ? (g + 1) * group - h0 : HEADS_AT_ONCE) {
        case 1: attend_heads_avx512(row, g, h0, 1, kv_dim, hd, scale, scores, stride); break;
        case 2: attend_heads_avx512(row, g, h0, 2, kv_dim, hd, scale, scores, stride); break;
        case 3: attend_heads_avx512(row, g, h0, 3, kv_dim, hd, scale, scores, stride); break;
        default: attend_heads_avx512(row, g, h0, 4, kv_dim, hd, scale, scores, stride); break;
        }
    }
}
#endif

// The kernel for head size hd: the SIMD ones take multiples of 64 up to MAX_HEAD_DIM.
static int attention_level(int hd) { return hd % 64 == 0 && hd <= MAX_HEAD_DIM ? simd_level() : 0; }

struct attention_job {
    const tnlp_attention_row *rows;
    int n, heads, kv_heads, hd;
    float scale;
    const long *cost;   // cumulative cost of items (row, kv head) in order; cost[i] = work before item i
    int level;
    int failed;
};

static void attention_part(void *ctx, int part, int parts) {
    struct attention_job *j = ctx;
    const int items = j->n * j->kv_heads;
    const long all = j->cost[items];
    // Contiguous items whose cumulative cost falls in this part's share.
    int first = 0, last = 0;
    const long lo = all * part / parts, hi = all * (part + 1) / parts;
    while (first < items && j->cost[first] < lo) first++;
    last = first;
    while (last < items && j->cost[last] < hi) last++;
    if (part == parts - 1) last = items;
    if (first >= last) return;
    int longest = 0;
    for (int i = first; i < last; i++) if (j->rows[i / j->kv_heads].total > longest) longest = j->rows[i / j->kv_heads].total;
    const int stride = (longest + TNLP_KV_TILE - 1) / TNLP_KV_TILE * TNLP_KV_TILE;
    float *scores = malloc(sizeof(float) * (size_t)stride * HEADS_AT_ONCE);
    if (!scores) { j->failed = 1; return; }
    const int level = j->level;
    for (int i = first; i < last; i++) {
        const tnlp_attention_row *row = &j->rows[i / j->kv_heads];
        const int g = i % j->kv_heads;
#if defined(__x86_64__)
        if (level == 2) { attend_avx512(row, g, j->heads, j->kv_heads, j->hd, j->scale, scores, stride); continue; }
        if (level == 1) { tnlp_attend_avx2(row, g, j->heads, j->kv_heads, j->hd, j->scale, scores, stride); continue; }
#endif
        (void)level;
        attend_scalar(row, g, j->heads, j->kv_heads, j->hd, j->scale, scores);
    }
    free(scores);
}

int tnlp_attention(const tnlp_attention_row *rows, int n, int heads, int kv_heads, int hd, float scale, long min_parallel) {
    return tnlp_attention_kernel(rows, n, heads, kv_heads, hd, scale, min_parallel, attention_level(hd));
}

int tnlp_attention_kernel(const tnlp_attention_row *rows, int n, int heads, int kv_heads, int hd, float scale, long min_parallel,
                          int level) {
    const int available = attention_level(hd);
    if (level > available) level = available;
    if (n <= 0) return 0;
    const int items = n * kv_heads;
    long *cost = malloc(sizeof(long) * ((size_t)items + 1));
    if (!cost) return -1;
    cost[0] = 0;
    for (int i = 0; i < items; i++) cost[i + 1] = cost[i] + rows[i / kv_heads].total + 16;
    struct attention_job job = { rows, n, heads, kv_heads, hd, scale, cost, level, 0 };
    const long work = cost[items] * (long)(heads / kv_heads) * hd;
    tnlp_parallel(attention_part, &job, work >= min_parallel ? tnlp_threads() : 1);
    free(cost);
    return job.failed ? -1 : 0;
}
