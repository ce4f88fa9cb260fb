// Integer matrix products: Q4_1 / Q8_0 weights repacked in panels of 16 rows, int8 activations, AVX-512 VNNI.
// See packed.h for the arithmetic; the portable reference below does the same operations one output at a time.
#include "packed.h"
#include "kernels.h"
#include "cpu.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PANEL 16
#define TOKENS 8       // tokens per group: a panel's block is unpacked once for them

struct tnlp_packed {
    int type, rows, cols, blocks;
    size_t block_bytes;   // one block of one panel: d[16], m[16] as f16 (64 bytes), then the weights
    uint8_t *data;
};

static inline int panels_of(int rows) { return (rows + PANEL - 1) / PANEL; }

static inline float half_round(float v) { return (float)(_Float16)v; }
static inline uint16_t half_bits(float v) { _Float16 h = (_Float16)v; uint16_t b; memcpy(&b, &h, 2); return b; }
static inline float half_value(uint16_t b) { _Float16 h; memcpy(&h, &b, 2); return (float)h; }

static size_t weight_bytes(int type) { return type == 0 ? 4 * 64 : 8 * 64; }

tnlp_packed *tnlp_pack(int type, const void *w, int rows, int cols) {
    if ((type != 0 && type != 1) || rows <= 0 || cols <= 0 || cols % 32) return NULL;
    tnlp_packed *p = malloc(sizeof *p);
    if (!p) return NULL;
    p->type = type;
    p->rows = rows;
    p->cols = cols;
    p->blocks = cols / 32;
    p->block_bytes = 64 + weight_bytes(type);
    // The last panel is padded with zero rows (scales 0: their outputs are 0 and never stored).
    const size_t total = p->block_bytes * p->blocks * panels_of(rows);
    p->data = aligned_alloc(64, total);
    if (!p->data) { free(p); return NULL; }
    memset(p->data, 0, total);
    const size_t src_block = type == 0 ? 20 : 34;
    const uint8_t *src = w;
    for (int r = 0; r < rows; r++) {
        const int panel = r / PANEL, lane = r % PANEL;
        for (int b = 0; b < p->blocks; b++) {
            const uint8_t *s = src + ((size_t)r * p->blocks + b) * src_block;
            uint8_t *dst = p->data + ((size_t)panel * p->blocks + b) * p->block_bytes;
            uint16_t d, m;
            memcpy(&d, s, 2);
            if (type == 0) {
                memcpy(&m, s + 2, 2);
                // Low nibble of byte 4k+j: weight 4k+j; high nibble: weight 16+4k+j (ggml's order, kept).
                for (int k = 0; k < 4; k++) memcpy(dst + 64 + 64 * k + 4 * lane, s + 4 + 4 * k, 4);
            } else {
                const float m32 = -128.0f * half_value(d);
                if (!(fabsf(m32) <= 65504.0f)) { free(p->data); free(p); return NULL; }
                m = half_bits(m32);   // exact: a power-of-two multiple
                for (int k = 0; k < 8; k++) {
                    for (int j = 0; j < 4; j++) dst[64 + 64 * k + 4 * lane + j] = (uint8_t)(s[2 + 4 * k + j] ^ 0x80);
                }
            }
            memcpy(dst + 2 * lane, &d, 2);
            memcpy(dst + 32 + 2 * lane, &m, 2);
        }
    }
    return p;
}

void tnlp_packed_free(tnlp_packed *p) {
    if (!p) return;
    free(p->data);
    free(p);
}

size_t tnlp_packed_bytes(const tnlp_packed *p) { return p ? p->block_bytes * p->blocks * panels_of(p->rows) : 0; }

// ---- activations ----

// Per token and block: q (int8), d (f16-rounded scale), s (Σq·d: f16-rounded for Q4_1, exact for Q8_0).
struct activations { int8_t *q; float *d, *s; };

static void quantize_block_scalar(const float *x, int8_t *q, float *d_out, float *s_out, int exact_s) {
    float amax = 0;
    for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int i = 0; i < 32; i++) {
        const float r = nearbyintf(x[i] * id);
        const int v = r == r ? (int)r : 0;
        q[i] = (int8_t)v;
        sum += v;
    }
    *d_out = half_round(d);
    *s_out = exact_s ? *d_out * (float)sum : half_round(d * (float)sum);
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw")))
static void quantize_block_avx512(const float *x, int8_t *q, float *d_out, float *s_out, int exact_s) {
    const __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    const __m512 vid = _mm512_set1_ps(id);
    const __m512i qa = _mm512_cvtps_epi32(_mm512_mul_ps(a, vid)), qb = _mm512_cvtps_epi32(_mm512_mul_ps(b, vid));
    _mm_storeu_si128((__m128i *)q, _mm512_cvtepi32_epi8(qa));
    _mm_storeu_si128((__m128i *)(q + 16), _mm512_cvtepi32_epi8(qb));
    const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(qa, qb));
    *d_out = half_round(d);
    *s_out = exact_s ? *d_out * (float)sum : half_round(d * (float)sum);
}
#endif

static int vnni_available(void) { return tnlp_cpu_level() >= 3; }

int tnlp_packed_simd(void) { return vnni_available(); }

struct quantize_job {
    const float *x;
    struct activations *a;
    size_t blocks;
    int simd, exact_s;
};

static void quantize_part(void *ctx, int part, int parts) {
    const struct quantize_job *j = ctx;
    const size_t first = j->blocks * part / parts, last = j->blocks * (part + 1) / parts;
    for (size_t i = first; i < last; i++) {
#if defined(__x86_64__)
        if (j->simd) { quantize_block_avx512(j->x + 32 * i, j->a->q + 32 * i, j->a->d + i, j->a->s + i, j->exact_s); continue; }
#endif
        quantize_block_scalar(j->x + 32 * i, j->a->q + 32 * i, j->a->d + i, j->a->s + i, j->exact_s);
    }
}

// Each block is quantized on its own, so splitting the blocks over threads changes nothing.
static int quantize(const tnlp_packed *p, const float *x, int n, int simd, struct activations *a, int threads) {
    const size_t blocks = (size_t)n * p->blocks;
    a->q = malloc(blocks * 32 + 64);
    a->d = malloc(blocks * sizeof(float));
    a->s = malloc(blocks * sizeof(float));
    if (!a->q || !a->d || !a->s) { free(a->q); free(a->d); free(a->s); return -1; }
    struct quantize_job job = { x, a, blocks, simd, p->type == 1 };
    tnlp_parallel(quantize_part, &job, blocks >= 256 ? threads : 1);
    return 0;
}

static void release(struct activations *a) { free(a->q); free(a->d); free(a->s); }

// ---- portable reference ----

static int weight_at(const tnlp_packed *p, const uint8_t *blk, int lane, int i) {
    if (p->type == 0) {
        const int k = (i % 16) / 4, j = i % 4;
        const uint8_t byte = blk[64 + 64 * k + 4 * lane + j];
        return i < 16 ? byte & 0x0F : byte >> 4;
    }
    return blk[64 + 64 * (i / 4) + 4 * lane + i % 4];
}

static void panel_reference(const tnlp_packed *p, int panel, const struct activations *a, int t, float *out) {
    const int lanes = p->rows - PANEL * panel < PANEL ? p->rows - PANEL * panel : PANEL;
    for (int lane = 0; lane < lanes; lane++) {
        float acc = 0;
        for (int b = 0; b < p->blocks; b++) {
            const uint8_t *blk = p->data + ((size_t)panel * p->blocks + b) * p->block_bytes;
            uint16_t dh, mh;
            memcpy(&dh, blk + 2 * lane, 2);
            memcpy(&mh, blk + 32 + 2 * lane, 2);
            const int8_t *xq = a->q + ((size_t)t * p->blocks + b) * 32;
            int32_t sum = 0;
            for (int i = 0; i < 32; i++) sum += weight_at(p, blk, lane, i) * xq[i];
            const size_t xi = (size_t)t * p->blocks + b;
            acc = fmaf((float)sum, half_value(dh) * a->d[xi], acc);
            acc = fmaf(half_value(mh), a->s[xi], acc);
        }
        out[lane] = acc;
    }
}

int tnlp_matmul_packed_reference(const tnlp_packed *p, const float *x, int n, float *y) {
    struct activations a;
    if (quantize(p, x, n, 0, &a, 1)) return -1;
    for (int t = 0; t < n; t++) {
        for (int panel = 0; panel < panels_of(p->rows); panel++) panel_reference(p, panel, &a, t, y + (size_t)t * p->rows + PANEL * panel);
    }
    release(&a);
    return 0;
}

// ---- AVX-512 VNNI ----

#if defined(__x86_64__)
// One panel against up to TOKENS tokens. `q4` is a constant in each caller, so each type gets its own loop.
__attribute__((target("avx512f,avx512bw,avx512vnni,f16c"), always_inline))
static inline void panel_vnni(const uint8_t *blk, int blocks, size_t block_bytes, int q4, const struct activations *a,
                              int t0, int nt, float *y, int ldy, __mmask16 lanes) {
    __m512 acc[TOKENS];
    for (int t = 0; t < TOKENS; t++) acc[t] = _mm512_setzero_ps();
    const __m512i low = _mm512_set1_epi8(0x0F);
    for (int b = 0; b < blocks; b++, blk += block_bytes) {
        const __m512 d = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)blk));
        const __m512 m = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(blk + 32)));
        __m512i w[8];
        if (q4) {
            for (int k = 0; k < 4; k++) {
                const __m512i q = _mm512_load_si512((const void *)(blk + 64 + 64 * k));
                w[k] = _mm512_and_si512(q, low);
                w[k + 4] = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
            }
        } else {
            for (int k = 0; k < 8; k++) w[k] = _mm512_load_si512((const void *)(blk + 64 + 64 * k));
        }
        for (int t = 0; t < nt; t++) {
            const size_t xi = (size_t)(t0 + t) * blocks + b;
            const int8_t *xq = a->q + xi * 32;
            int32_t xw[8];
            memcpy(xw, xq, 32);
            __m512i s = _mm512_setzero_si512();
            // w[k] holds weights 4k…4k+3 of each row (k < 4) or 16+4(k-4)… (k ≥ 4): activations at 4k either way.
            for (int k = 0; k < 8; k++) s = _mm512_dpbusd_epi32(s, w[k], _mm512_set1_epi32(xw[k]));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, _mm512_set1_ps(a->d[xi])), acc[t]);
            acc[t] = _mm512_fmadd_ps(m, _mm512_set1_ps(a->s[xi]), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm512_mask_storeu_ps(y + (size_t)(t0 + t) * ldy, lanes, acc[t]);
}

// Panels [p0, p1) against all n tokens; the type picks a loop specialized for it.
__attribute__((target("avx512f,avx512bw,avx512vnni,f16c")))
static void panels_vnni(const tnlp_packed *p, int p0, int p1, const struct activations *a, int n, float *y) {
    for (int panel = p0; panel < p1; panel++) {
        const uint8_t *blk = p->data + (size_t)panel * p->blocks * p->block_bytes;
        const int live = p->rows - PANEL * panel < PANEL ? p->rows - PANEL * panel : PANEL;
        const __mmask16 lanes = (__mmask16)((1u << live) - 1);
        float *out = y + PANEL * panel;
        for (int t0 = 0; t0 < n; t0 += TOKENS) {
            const int nt = n - t0 < TOKENS ? n - t0 : TOKENS;
            if (p->type == 0 && nt == TOKENS) panel_vnni(blk, p->blocks, p->block_bytes, 1, a, t0, TOKENS, out, p->rows, lanes);
            else if (p->type == 0) panel_vnni(blk, p->blocks, p->block_bytes, 1, a, t0, nt, out, p->rows, lanes);
            else if (nt == TOKENS) panel_vnni(blk, p->blocks, p->block_bytes, 0, a, t0, TOKENS, out, p->rows, lanes);
            else panel_vnni(blk, p->blocks, p->block_bytes, 0, a, t0, nt, out, p->rows, lanes);
        }
    }
}
#endif

// Several matrices with the same input (q, k, v; gate, up): one quantization, one split of all their panels.
struct packed_job {
    const tnlp_packed *const *ps;
    float *const *ys;
    int count;
    const struct activations *a;
    int n;
};

static void panels(const tnlp_packed *p, int p0, int p1, const struct activations *a, int n, float *y) {
#if defined(__x86_64__)
    if (vnni_available()) { panels_vnni(p, p0, p1, a, n, y); return; }
#endif
    for (int t = 0; t < n; t++) {
        for (int panel = p0; panel < p1; panel++) panel_reference(p, panel, a, t, y + (size_t)t * p->rows + PANEL * panel);
    }
}

static void packed_part(void *ctx, int part, int parts) {
    const struct packed_job *j = ctx;
    int total = 0;
    for (int m = 0; m < j->count; m++) total += panels_of(j->ps[m]->rows);
    // This part's share of the panels of all matrices, in order.
    const int first = (int)((long)total * part / parts), last = (int)((long)total * (part + 1) / parts);
    int base = 0;
    for (int m = 0; m < j->count; m++) {
        const int own = panels_of(j->ps[m]->rows);
        const int p0 = first > base ? first - base : 0, p1 = last - base < own ? last - base : own;
        if (p0 < p1) panels(j->ps[m], p0, p1, j->a, j->n, j->ys[m]);
        base += own;
    }
}

int tnlp_matmul_packed_many(const tnlp_packed *const *ps, float *const *ys, int count, const float *x, int n, long min_parallel) {
    if (count <= 0) return 0;
    long macs = 0;
    for (int m = 0; m < count; m++) {
        if (ps[m]->cols != ps[0]->cols || ps[m]->type != ps[0]->type) return -2;
        macs += (long)ps[m]->rows * ps[m]->cols * n;
    }
    const int threads = macs >= min_parallel ? tnlp_threads() : 1;
    struct activations a;
    if (quantize(ps[0], x, n, vnni_available(), &a, threads)) return -1;
    struct packed_job job = { ps, ys, count, &a, n };
    tnlp_parallel(packed_part, &job, threads);
    release(&a);
    return 0;
}

int tnlp_matmul_packed(const tnlp_packed *p, const float *x, int n, float *y, long min_parallel) {
    return tnlp_matmul_packed_many(&p, &y, 1, x, n, min_parallel);
}
