// The AVX2 attention kernels (attention_avx2.c), for CPUs without AVX-512; same layout and arithmetic
// order per lane as attention.c's.
#ifndef TEXTNLP_ATTENTION_SIMD_H
#define TEXTNLP_ATTENTION_SIMD_H

#include "attention.h"

void tnlp_attend_avx2(const tnlp_attention_row *row, int g, int heads, int kv_heads, int hd, float scale, float *scores, int stride);
void tnlp_kv_store_avx2(uint16_t *keys, uint16_t *values, int kv_dim, int pos, const float *k, const float *v);

#endif
