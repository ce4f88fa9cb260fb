#ifndef TEXTNLP_PACKED_H
#define TEXTNLP_PACKED_H

#include <stddef.h>

/// Weights repacked for integer products with int8 activations (llama.cpp's Q8_1 scheme: per 32 values a
/// scale d = max|x| / 127, q = round(x / d), and s = d·Σq). Rows are grouped in panels of 16 so that one
/// AVX-512 VNNI instruction multiplies 4 weights of 16 rows by the same 4 activations.
///
/// For one output (row r, token t), over blocks b in order:
///   acc = fma((float)Σ w·q, d_w·d_x, acc); acc = fma(m_w, s_x, acc)
/// with the integer sum exact, so the SIMD kernel and the portable one agree bit for bit, whatever the batch.
/// Q4_1: w are the 4-bit values (0…15), m_w the block minimum, s_x rounded to f16 as llama.cpp does.
/// Q8_0: w are stored as w + 128 (unsigned), m_w = -128·d_w, s_x exact.
typedef struct tnlp_packed tnlp_packed;

/// Repacks `rows` × `cols` weights of ggml type (0 = Q4_1, 1 = Q8_0); the last panel is padded. NULL when the
/// shape does not suit (cols not a multiple of 32) or memory is short.
tnlp_packed *tnlp_pack(int type, const void *w, int rows, int cols);
void tnlp_packed_free(tnlp_packed *p);
/// Bytes held by the packed copy.
size_t tnlp_packed_bytes(const tnlp_packed *p);

/// y (n, rows) = x (n, cols) · Wᵀ, activations quantized to int8 per 32 values; split by panels over the
/// pool's threads when the product has at least `min_parallel` multiply-adds. Returns 0, or -1 when out of memory.
int tnlp_matmul_packed(const tnlp_packed *p, const float *x, int n, float *y, long min_parallel);

/// The products of `count` matrices of the same type and columns with the same x (quantized once), all their
/// panels split over the threads together: ys[m] (n, rows of m). Returns 0, -1 when out of memory, -2 when the
/// matrices differ in type or columns. Each output equals the single-matrix product's.
int tnlp_matmul_packed_many(const tnlp_packed *const *ps, float *const *ys, int count, const float *x, int n, long min_parallel);

/// The same products by portable C, one output at a time (the reference the SIMD kernel must equal).
int tnlp_matmul_packed_reference(const tnlp_packed *p, const float *x, int n, float *y);

/// 1 when the AVX-512 VNNI kernel is in use (TEXTNLP_KERNELS=portable forces the portable one).
int tnlp_packed_simd(void);

#endif
