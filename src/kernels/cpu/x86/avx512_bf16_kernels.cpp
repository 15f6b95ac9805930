// F16 weights as bf16 pairs against bf16 activations with vdpbf16ps (AVX512_BF16;
// compiled with that flag only, see CMakeLists.txt). One instruction multiplies
// and adds two values per lane, twice the float FMA rate, at the price of
// rounding weights and activations to bf16 (8 significant bits, a relative
// error of at most 2^-9 each): the same order as the 8-bit activations of the
// quantized types' fast path. The exact path keeps F16 weights exact.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "core/half.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/packed_weights.h"
#include "kernels/cpu/x86/token_tiles.h"

namespace yak::kernels::cpu {
namespace {

#define YAK_UNROLL _Pragma("GCC unroll 16")

constexpr int kTileTokens = 3;   // single-group tiles: decode and tiny batches
constexpr int kPairTokens = 16;  // 16 accumulators; each weight vector serves 16 tokens

// x[0..cols) as bf16 into out[0..2 * pairs), an odd tail padded with 0.
void to_bf16_row(const float* x, int64_t cols, uint16_t* out) {
  int64_t i = 0;
  for (; i + 32 <= cols; i += 32) {
    const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
    _mm512_storeu_si512(out + i, reinterpret_cast<const __m512i&>(v));
  }
  for (; i < cols; ++i) out[i] = float_to_bf16(x[i]);
  if (cols % 2 != 0) out[cols] = 0;
}

inline __m256 dot_pair(__m256 acc, __m256i w, uint32_t x_pair) {
  return _mm256_dpbf16_ps(acc, reinterpret_cast<const __m256bh&>(w),
                          reinterpret_cast<const __m256bh&>(static_cast<const __m256i&>(
                              _mm256_set1_epi32(static_cast<int>(x_pair)))));
}

inline __m256i load_pair(const uint8_t* g, int64_t p) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(g + 32 * p));
}

// One group, NT tokens; few tokens get several accumulators each (latency).
template <int NT>
void tile(const uint8_t* g, int64_t pairs, const uint32_t* x, int64_t x_stride, float* y,
          int64_t y_stride) {
  constexpr int U = NT <= 2 ? 4 : NT <= 4 ? 2 : 1;
  __m256 acc[U][NT];
  YAK_UNROLL
  for (int u = 0; u < U; ++u) YAK_UNROLL
  for (int t = 0; t < NT; ++t) acc[u][t] = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + U <= pairs; p += U) {
    YAK_UNROLL
    for (int u = 0; u < U; ++u) {
      const __m256i w = load_pair(g, p + u);
      YAK_UNROLL
      for (int t = 0; t < NT; ++t) acc[u][t] = dot_pair(acc[u][t], w, x[t * x_stride + p + u]);
    }
  }
  for (; p < pairs; ++p) {
    const __m256i w = load_pair(g, p);
    YAK_UNROLL
    for (int t = 0; t < NT; ++t) acc[0][t] = dot_pair(acc[0][t], w, x[t * x_stride + p]);
  }
  YAK_UNROLL
  for (int t = 0; t < NT; ++t) {
    __m256 s = acc[0][t];
    for (int u = 1; u < U; ++u) s = _mm256_add_ps(s, acc[u][t]);
    _mm256_storeu_ps(y + t * y_stride, s);
  }
}

// Two groups for 4+ tokens, as one 16-row vector: each broadcast pair feeds
// 16 rows per instruction (one macro-op on Zen 4 for two 256-bit halves).
template <int NT>
void tile2(const uint8_t* g0, const uint8_t* g1, int64_t pairs, const uint32_t* x, int64_t x_stride,
           float* y, int64_t y_stride) {
  __m512 acc[NT];
  YAK_UNROLL
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; ++p) {
    const __m512i w =
        _mm512_inserti64x4(_mm512_castsi256_si512(load_pair(g0, p)), load_pair(g1, p), 1);
    YAK_UNROLL
    for (int t = 0; t < NT; ++t) {
      const __m512i xp = _mm512_set1_epi32(static_cast<int>(x[t * x_stride + p]));
      acc[t] = _mm512_dpbf16_ps(acc[t], reinterpret_cast<const __m512bh&>(w),
                                reinterpret_cast<const __m512bh&>(xp));
    }
  }
  // Group g0's rows are y[0..8) and g1's y[8..16) of each token: one store.
  YAK_UNROLL
  for (int t = 0; t < NT; ++t) _mm512_storeu_ps(y + t * y_stride, acc[t]);
}

// Pairs of groups (the odd last group alone) for tiles of 4+ tokens.
template <int NT>
void pair_groups(const uint8_t* first, int64_t n_groups, int64_t group_bytes, int64_t pairs,
                 const uint32_t* x, int64_t x_stride, float* y, int64_t y_stride) {
  int64_t g = 0;
  for (; g + 2 <= n_groups; g += 2)
    tile2<NT>(first + g * group_bytes, first + (g + 1) * group_bytes, pairs, x, x_stride,
              y + g * kPackRows, y_stride);
  if (g < n_groups)
    tile<NT>(first + g * group_bytes, pairs, x, x_stride, y + g * kPackRows, y_stride);
}

template <int NT>
void single_groups(const uint8_t* first, int64_t n_groups, int64_t group_bytes, int64_t pairs,
                   const uint32_t* x, int64_t x_stride, float* y, int64_t y_stride) {
  for (int64_t g = 0; g < n_groups; ++g)
    tile<NT>(first + g * group_bytes, pairs, x, x_stride, y + g * kPackRows, y_stride);
}

// Rows are padded to whole cache lines, plus one line where that would be a
// multiple of 4 KiB: a tile reads 16 rows side by side, and rows 4 KiB apart
// would all fall into the same L1 set (half the speed at 2048 columns).
int64_t bf16_act_row_bytes(int64_t cols) {
  const int64_t bytes = ((cols + 1) / 2 * 4 + 63) / 64 * 64;
  return bytes % 4096 == 0 ? bytes + 64 : bytes;
}

void bf16_acts(const float* x, int64_t cols, void* out) {
  to_bf16_row(x, cols, static_cast<uint16_t*>(out));
}

// Activation rows are bf16 pairs (bf16_acts), x_stride_bytes apart.
void packed_gemm_bf16(const uint8_t* first, int64_t n_groups, int64_t group_bytes, int64_t cols,
                      const void* x_rows, int64_t x_stride_bytes, int64_t nt, float* y,
                      int64_t y_stride) {
  const int64_t pairs = (cols + 1) / 2;
  const auto* xs = static_cast<const uint32_t*>(x_rows);
  const int64_t xst = x_stride_bytes / 4;
  if (nt < 4) {
    over_token_tiles<kTileTokens>(nt, [&](auto n, int64_t t) {
      single_groups<decltype(n)::value>(first, n_groups, group_bytes, pairs, xs + t * xst, xst,
                                        y + t * y_stride, y_stride);
    });
    return;
  }
  over_token_tiles<kPairTokens>(nt, [&](auto n, int64_t t) {
    pair_groups<decltype(n)::value>(first, n_groups, group_bytes, pairs, xs + t * xst, xst,
                                    y + t * y_stride, y_stride);
  });
}

#undef YAK_UNROLL

}  // namespace

void fill_avx512_bf16_table(KernelTable& t) {
  t.packed_gemm_f[static_cast<uint32_t>(DType::F16)] = packed_gemm_bf16;
  t.packed_gemm_f[static_cast<uint32_t>(DType::BF16)] = packed_gemm_bf16;
  t.f16_packing = FloatPacking::kBf16Pairs;
  t.f16_act_row_bytes = bf16_act_row_bytes;
  t.f16_acts = bf16_acts;
}

}  // namespace yak::kernels::cpu
