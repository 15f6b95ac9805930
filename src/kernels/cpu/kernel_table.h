// The CPU kernels behind Linear's fast path, one table per instruction-set
// level (scalar, AVX2, AVX-512). The scalar table is the reference of the
// quantized-activation arithmetic: the SIMD tables compute the same integer
// dot products and differ from it only in the order of the float sums.
//
// Activations are quantized in blocks of 32 (BlockQ8A); every weight type,
// K-quants included, is a whole number of these blocks, so one activation
// format serves all types. See docs/cpu-kernels.md.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/packed_weights.h"

namespace yak::kernels::cpu {

inline constexpr int kActBlock = 32;

// 32 activations x ~ d * qs, |qs| <= 127 (never -128, so that the sign trick
// of the signed-by-signed dot cannot overflow). sums[h] = sum of qs[16h..16h+16),
// used for weight types with an offset or a per-16 scale.
struct BlockQ8A {
  float d;
  int16_t sums[2];
  int8_t qs[kActBlock];
};
static_assert(sizeof(BlockQ8A) == 40);

// Up to this many tokens are handled by one call of a row kernel.
inline constexpr int kMaxTileTokens = 4;

// Quantizes x[0..n) (n a multiple of 32) into n/32 blocks. d = amax/127 and
// qs = round-half-even(x / d); a block holding NaN or infinity gets d = NaN.
using QuantizeActsFn = void (*)(const float* x, int64_t n, BlockQ8A* out);

// out[t] = dot(weight row `row` of `n` values, token t) for t in [0, nt),
// nt <= kMaxTileTokens; acts[t] points to token t's n/32 blocks.
using RowDotQFn = void (*)(const uint8_t* row, int64_t n, const BlockQ8A* const* acts, int nt,
                           float* out);

// The same for weights stored as floats (F32/F16/BF16) against float tokens.
using RowDotFFn = void (*)(const uint8_t* row, int64_t n, const float* const* x, int nt,
                           float* out);

// Packed weights (packed_weights.h) times tokens: for g in [0, n_groups) and
// t in [0, nt), y[t * y_stride + 8g + r] = dot(row r of group g, token t), where
// group g starts at groups + g * group_bytes and token t's cols/32 blocks at
// acts + t * act_stride.
using PackedGemmFn = void (*)(const uint8_t* groups, int64_t n_groups, int64_t group_bytes,
                              int64_t cols, const BlockQ8A* acts, int64_t act_stride, int64_t nt,
                              float* y, int64_t y_stride);

// Up to kAttentionLanes query heads that attend to the same keys (one
// sequence's, one KV head's): query i sees keys first_key[i]..last_key[i]
// (causal, and a sliding window where first_key > 0). With ALiBi, key j's
// score gains alibi_slope[i] * (j - last_key[i]).
// The keys and values come in runs of consecutive positions (the blocks of the
// paged cache), the first run's first key at position first_position; run r
// holds lengths[r] rows `stride` floats apart. Every query must see at least
// one key of the runs.
inline constexpr int kAttentionLanes = 16;
inline constexpr int kNarrowAttentionLanes = 8;
struct AttentionTile {
  int n_queries = 0;
  const float* q[kAttentionLanes] = {};
  float* out[kAttentionLanes] = {};
  int32_t first_key[kAttentionLanes] = {};
  int32_t last_key[kAttentionLanes] = {};
  bool alibi = false;
  float alibi_slope[kAttentionLanes] = {};
};
struct KeyValueRuns {
  const float* const* keys = nullptr;
  const float* const* values = nullptr;
  const int32_t* lengths = nullptr;
  int32_t n_runs = 0;
  int64_t stride = 0;
  int32_t first_position = 0;
};
// out[i] = softmax(scale * q[i] . keys) . values, over head_dim floats.
using AttendTileFn = void (*)(const AttentionTile& tile, const KeyValueRuns& kv, int64_t head_dim,
                              float scale);

// The same for packed float weights (F16) against the tokens' activation
// rows: token t's row at x + t * x_stride_bytes, as floats for the kF16
// packing, or as prepared by f16_acts (bf16 pairs) for kBf16Pairs.
using PackedGemmFFn = void (*)(const uint8_t* groups, int64_t n_groups, int64_t group_bytes,
                               int64_t cols, const void* x, int64_t x_stride_bytes, int64_t nt,
                               float* y, int64_t y_stride);

struct KernelTable {
  CpuLevel level = CpuLevel::kScalar;
  QuantizeActsFn quantize_acts = nullptr;
  // Indexed by DType id; null where the type has no kernel of that kind.
  RowDotQFn row_dot_q[32] = {};
  RowDotFFn row_dot_f[32] = {};
  // Null where the level has no packed kernel for the type (always at scalar).
  PackedGemmFn packed_gemm[32] = {};
  PackedGemmFFn packed_gemm_f[32] = {};
  // The packing packed_gemm_f[F16] (and [BF16] where set) reads
  // (packed_weights.h), and, where its activations are not float rows, their
  // conversion: f16_act_row_bytes(cols) bytes per token, written by f16_acts(x, cols, out).
  FloatPacking f16_packing = FloatPacking::kF16;
  int64_t (*f16_act_row_bytes)(int64_t cols) = nullptr;
  void (*f16_acts)(const float* x, int64_t cols, void* out) = nullptr;
  // dot of two float vectors (the exact path's inner product).
  float (*dot_f32)(const float* a, const float* b, int64_t n) = nullptr;

  // In-place softmax over x[0..n); -inf entries become 0 (kernels/ops.h).
  void (*softmax)(float* x, int64_t n) = nullptr;
  AttendTileFn attend_tile = nullptr;
  // The same for tiles of at most kNarrowAttentionLanes queries (a decode
  // step's query heads of one KV head), where a 16-lane tile would leave most
  // lanes idle; null where attend_tile is already that narrow.
  AttendTileFn attend_tile_narrow = nullptr;
  // out = silu(gate) * up (kernels/ops.h); out may alias gate.
  void (*silu_mul)(const float* gate, const float* up, float* out, int64_t n) = nullptr;
  void (*gelu_mul)(const float* gate, const float* up, float* out, int64_t n) = nullptr;

  RowDotQFn quantized(DType t) const { return row_dot_q[static_cast<uint32_t>(t) & 31u]; }
  RowDotFFn floating(DType t) const { return row_dot_f[static_cast<uint32_t>(t) & 31u]; }
  PackedGemmFn packed(DType t) const { return packed_gemm[static_cast<uint32_t>(t) & 31u]; }
  PackedGemmFFn packed_f(DType t) const { return packed_gemm_f[static_cast<uint32_t>(t) & 31u]; }
  AttendTileFn attend(int n_queries) const {
    return n_queries <= kNarrowAttentionLanes && attend_tile_narrow != nullptr ? attend_tile_narrow
                                                                               : attend_tile;
  }
};

// The table of `level`; throws yak::Error if this CPU cannot run it.
const KernelTable& kernel_table(CpuLevel level);

// The table Linear uses: kernel_table(active_level()) unless set_active_kernels
// chose another.
const KernelTable& active_kernels();

// Switches the table Linear uses (tests and benchmarks run every level this
// way); throws yak::Error if this CPU cannot run `level`. Must not race with a
// running forward pass.
void set_active_kernels(CpuLevel level);

// Per-level builders (one translation unit each, compiled with its own flags).
void fill_scalar_table(KernelTable& t);
void fill_avx2_table(KernelTable& t);
void fill_avx512_table(KernelTable& t);
// F16 weights as bf16 pairs for vdpbf16ps, on CPUs with AVX512_BF16.
void fill_avx512_bf16_table(KernelTable& t);

}  // namespace yak::kernels::cpu
