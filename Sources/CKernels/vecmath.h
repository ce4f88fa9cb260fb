// e^x as a degree-6 polynomial after range reduction (x = n·ln2 + r, |r| ≤ ln2/2), relative error about
// 3e-7, for x in [-87, 88]: below, 0; above, clamped. The scalar and AVX-512 versions do the same operations.
#ifndef TEXTNLP_VECMATH_H
#define TEXTNLP_VECMATH_H

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static const float EXP_LOG2E = 1.44269504f, EXP_LN2_HI = 0.693145752f, EXP_LN2_LO = 1.42860677e-6f;
static const float EXP_C[7] = { 1.0f, 1.0f, 0.5f, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720 };
static const float EXP_MIN = -87.0f, EXP_MAX = 88.0f;

static inline float exp_scalar(float x) {
    if (x < EXP_MIN) return 0;
    if (x > EXP_MAX) x = EXP_MAX;
    const float n = nearbyintf(x * EXP_LOG2E);
    const float r = fmaf(-n, EXP_LN2_LO, fmaf(-n, EXP_LN2_HI, x));
    float p = EXP_C[6];
    for (int i = 5; i >= 0; i--) p = fmaf(p, r, EXP_C[i]);
    return ldexpf(p, (int)n);
}

#if defined(__x86_64__)
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp_avx512(__m512 x) {
    const __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_MIN), _CMP_GE_OQ);
    x = _mm512_min_ps(x, _mm512_set1_ps(EXP_MAX));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 minus_n = _mm512_sub_ps(_mm512_setzero_ps(), n);
    const __m512 r = _mm512_fmadd_ps(minus_n, _mm512_set1_ps(EXP_LN2_LO), _mm512_fmadd_ps(minus_n, _mm512_set1_ps(EXP_LN2_HI), x));
    __m512 p = _mm512_set1_ps(EXP_C[6]);
    for (int i = 5; i >= 0; i--) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_C[i]));
    return _mm512_maskz_mov_ps(live, _mm512_scalef_ps(p, n));
}
#endif

#endif
