#ifndef TEXTNLP_ATTENTION_H
#define TEXTNLP_ATTENTION_H

#include <stdint.h>

/// Positions per key tile.
#define TNLP_KV_TILE 16

/// The KV cache of one sequence and layer, in f16 (llama.cpp's default cache type):
/// keys in tiles of 16 positions, each tile (kv_dim, 16) so that one vector holds a dimension of 16 positions;
/// values as rows (positions, kv_dim).
/// Stores position `pos`'s key and value (kv_dim floats each).
void tnlp_kv_store(uint16_t *keys, uint16_t *values, int kv_dim, int pos, const float *k, const float *v);
/// Reads position `pos` back as f32 (tests, references).
void tnlp_kv_load(const uint16_t *keys, const uint16_t *values, int kv_dim, int pos, float *k, float *v);

/// One query row: q (heads·hd) attends to positions [0, total) of its sequence's cache; out (heads·hd).
typedef struct {
    const float *q;
    const uint16_t *keys, *values;
    float *out;
    int total;
} tnlp_attention_row;

/// Causal attention of every row, split over the pool's threads by (row, kv head) when the work reaches
/// `min_parallel` position·head products. Each row's result does not depend on the other rows.
/// Returns 0, or -1 when out of memory for the scores.
int tnlp_attention(const tnlp_attention_row *rows, int n, int heads, int kv_heads, int hd, float scale, long min_parallel);

/// The same with a given kernel, for tests: 2 AVX-512, 1 AVX2, 0 portable (lowered to what the CPU and the
/// head size allow).
int tnlp_attention_kernel(const tnlp_attention_row *rows, int n, int heads, int kv_heads, int hd, float scale, long min_parallel,
                          int level);

#endif
