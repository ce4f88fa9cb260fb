#ifndef TEXTNLP_KERNELS_H
#define TEXTNLP_KERNELS_H

#include <stddef.h>
#include "packed.h"
#include "attention.h"

/// y[t * ldy + r] = dot(row r of W, x[t * cols ...]) for rows [r0, r1) and tokens [0, n).
/// W is `rows` rows of `cols` weights in ggml's Q4_1 (20-byte blocks of 32) or Q8_0 (34-byte blocks of 32)
/// layout; x is f32. Each dot product is computed the same way whatever n is (batch invariance).
void tnlp_matmul_q4_1(const void *w, int cols, int r0, int r1, const float *x, int n, float *y, int ldy);
void tnlp_matmul_q8_0(const void *w, int cols, int r0, int r1, const float *x, int n, float *y, int ldy);

/// Runs fn(ctx, part, parts) for part in [0, parts) on the pool's threads and the caller; returns when all are done.
typedef void (*tnlp_task_fn)(void *ctx, int part, int parts);
void tnlp_parallel(tnlp_task_fn fn, void *ctx, int parts);
/// Threads in the pool, the caller included (the machine's cores).
int tnlp_threads(void);

/// y (n, rows) = x (n, cols) · Wᵀ over all rows, split by rows over the pool's threads when the product
/// has at least `min_parallel` multiply-adds. type: 0 = Q4_1, 1 = Q8_0. Results equal the single-threaded
/// functions above bit for bit.
void tnlp_matmul(int type, const void *w, int rows, int cols, const float *x, int n, float *y, long min_parallel);

/// gate = silu(gate) · up = gate / (1 + e^-gate) · up, over `count` values; split over the pool's threads when
/// count · 32 reaches `min_parallel`. A value's result does not depend on the split.
void tnlp_swiglu(float *gate, const float *up, long count, long min_parallel);

/// 1 when the AVX2+FMA kernels are in use, 0 for the portable ones.
int tnlp_kernels_simd(void);

#endif
