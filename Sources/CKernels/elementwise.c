// Element-wise activations of the forward pass, split over the pool's threads.
#include "kernels.h"
#include "cpu.h"
#include "vecmath.h"

#include <stdlib.h>
#include <string.h>

static int avx512(void) { return tnlp_cpu_level() >= 2; }

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void swiglu_avx512(float *gate, const float *up, long first, long last) {
    long i = first;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i + 16 <= last; i += 16) {
        const __m512 g = _mm512_loadu_ps(gate + i);
        const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), g));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), _mm512_loadu_ps(up + i)));
    }
    for (; i < last; i++) gate[i] = gate[i] / (1.0f + exp_scalar(-gate[i])) * up[i];
}
#endif

struct swiglu_job { float *gate; const float *up; long count; };

static void swiglu_part(void *ctx, int part, int parts) {
    const struct swiglu_job *j = ctx;
    // Parts on multiples of 16 values: each value takes the same path whatever the split.
    const long units = (j->count + 15) / 16;
    const long first = units * part / parts * 16;
    long last = units * (part + 1) / parts * 16;
    if (last > j->count) last = j->count;
#if defined(__x86_64__)
    if (avx512()) { swiglu_avx512(j->gate, j->up, first, last); return; }
#endif
    for (long i = first; i < last; i++) j->gate[i] = j->gate[i] / (1.0f + exp_scalar(-j->gate[i])) * j->up[i];
}

void tnlp_swiglu(float *gate, const float *up, long count, long min_parallel) {
    struct swiglu_job job = { gate, up, count };
    tnlp_parallel(swiglu_part, &job, count * 32 >= min_parallel ? tnlp_threads() : 1);
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void exp_shifted_avx512(const float *x, long count, float shift, float scale, float *out) {
    long i = 0;
    const __m512 s = _mm512_set1_ps(shift), k = _mm512_set1_ps(scale);
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(out + i, exp_avx512(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), s), k)));
    for (; i < count; i++) out[i] = exp_scalar((x[i] - shift) * scale);
}
#endif

void tnlp_exp_shifted(const float *x, long count, float shift, float scale, float *out) {
#if defined(__x86_64__)
    if (avx512()) { exp_shifted_avx512(x, count, shift, scale, out); return; }
#endif
    for (long i = 0; i < count; i++) out[i] = exp_scalar((x[i] - shift) * scale);
}
