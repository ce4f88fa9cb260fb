#ifndef TEXTNLP_KERNELS_H
#define TEXTNLP_KERNELS_H

#include <stddef.h>
#include "packed.h"
#include "attention.h"

/// Runs fn(ctx, part, parts) for part in [0, parts) on the pool's threads and the caller; returns when all are done.
typedef void (*tnlp_task_fn)(void *ctx, int part, int parts);
void tnlp_parallel(tnlp_task_fn fn, void *ctx, int parts);
/// Threads in the pool, the caller included (the machine's cores).
int tnlp_threads(void);

/// y (n, rows) = x (n, cols) · Wᵀ with f32 activations: W is `rows` rows of ggml Q4_1 (type 0) or Q8_0 (type 1)
/// blocks; split by rows over the pool's threads when the product has at least `min_parallel` multiply-adds.
/// Each output is computed the same way whatever n and the split (batch invariance).
void tnlp_matmul(int type, const void *w, int rows, int cols, const float *x, int n, float *y, long min_parallel);

/// gate = silu(gate) · up = gate / (1 + e^-gate) · up, over `count` values; split over the pool's threads when
/// count · 32 reaches `min_parallel`. A value's result does not depend on the split.
void tnlp_swiglu(float *gate, const float *up, long count, long min_parallel);

/// out[i] = e^((x[i] - shift) · scale), on one thread; the same value whichever instruction set computes it.
void tnlp_exp_shifted(const float *x, long count, float shift, float scale, float *out);

#endif
