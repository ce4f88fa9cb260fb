#include "cpu.h"

#include <stdlib.h>
#include <string.h>

int tnlp_cpu_level(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        int level = 0;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
            level = 1;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
                level = __builtin_cpu_supports("avx512vnni") ? 3 : 2;
            }
        }
        const char *force = getenv("TEXTNLP_KERNELS");
        if (force && strcmp(force, "avx2") == 0 && level > 1) level = 1;
        if (force && strcmp(force, "portable") == 0) level = 0;
        cached = level;
    }
    return cached;
#else
    return 0;
#endif
}
