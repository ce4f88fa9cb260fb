// What the CPU offers the kernels, detected once.
#ifndef TEXTNLP_CPU_H
#define TEXTNLP_CPU_H

/// 0: portable C; 1: AVX2 + FMA + F16C; 2: AVX-512 F/BW as well; 3: AVX-512 VNNI as well.
/// TEXTNLP_KERNELS=avx2 caps it at 1, TEXTNLP_KERNELS=portable at 0.
int tnlp_cpu_level(void);

#endif
