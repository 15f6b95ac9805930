// AVX2 + FMA + F16C kernels (compiled with those flags only; see CMakeLists.txt).
#define YAK_SIMD_NS avx2
#define YAK_SIMD_FILL fill_avx2_table
#include "kernels/cpu/x86/simd_kernels.inc"
