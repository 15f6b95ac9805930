// AVX-512 F/BW/VL/VNNI kernels (compiled with those flags only; see CMakeLists.txt).
// GCC 12's own AVX-512 intrinsic headers pass an undefined vector as the unused
// merge source of several intrinsics, which its -Wuninitialized reports inside
// the header; the warning is about the header, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define YAK_SIMD_NS avx512
#define YAK_SIMD_FILL fill_avx512_table
#include "kernels/cpu/x86/simd_kernels.inc"
