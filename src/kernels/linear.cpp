#include "kernels/linear.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ref/quant_ref.h"

namespace yak::kernels {
namespace {

// -1: not set by set_default_precision; the environment decides.
std::atomic<int> g_precision{-1};

Precision precision_from_env() {
  const char* env = std::getenv("YAK_PRECISION");
  if (env == nullptr || *env == '\0') return Precision::kFast;
  const std::string v(env);
  if (v == "exact") return Precision::kExact;
  if (v == "fast") return Precision::kFast;
  fail("YAK_PRECISION={} is not a precision (use exact or fast)", v);
}

// Tokens whose quantized activations one pass over a thread's rows reuses;
// 64 tokens of a 4096-wide row take 320 KiB, which stays in L2.
constexpr int64_t kTokenTile = 64;
constexpr int64_t kRowGrain = 16;

}  // namespace

Precision default_precision() {
  const int p = g_precision.load(std::memory_order_relaxed);
  if (p >= 0) return static_cast<Precision>(p);
  static const Precision from_env = precision_from_env();
  return from_env;
}

void set_default_precision(Precision precision) {
  g_precision.store(static_cast<int>(precision), std::memory_order_relaxed);
}

Linear::Linear(const MatrixView& weight, Precision precision)
    : weight_(weight), precision_(precision) {
  if (!traits(weight.type).supported)
    fail("weights of type {} are not supported", dtype_name(weight.type));
}

void Linear::dequantize_row(int64_t r, float* out) const {
  YAK_CHECK(r >= 0 && r < weight_.rows);
  ref::dequantize_row(weight_.type, weight_.row(r), out, weight_.cols);
}

void Linear::forward_exact(const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                           int64_t y_stride, ThreadPool& pool) const {
  const int64_t cols = weight_.cols;
  const auto dot = cpu::active_kernels().dot_f32;
  // Rows are split across threads in groups, so each thread dequantizes a
  // weight row once and applies it to every token of the batch.
  pool.parallel_for(weight_.rows, kRowGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> row;
    if (static_cast<int64_t>(row.size()) < cols) row.resize(static_cast<size_t>(cols));
    for (int64_t r = begin; r < end; ++r) {
      const float* w = row.data();
      if (weight_.type == DType::F32) {
        w = reinterpret_cast<const float*>(weight_.row(r));
      } else {
        ref::dequantize_row(weight_.type, weight_.row(r), row.data(), cols);
      }
      for (int64_t t = 0; t < n_tokens; ++t) y[t * y_stride + r] = dot(w, x + t * x_stride, cols);
    }
  });
}

void QuantizedRows::quantize(const float* x, int64_t x_stride, int64_t n_tokens, int64_t cols,
                             ThreadPool& pool) {
  YAK_CHECK(cols % cpu::kActBlock == 0 && n_tokens >= 0);
  const int64_t nb = cols / cpu::kActBlock;
  if (static_cast<int64_t>(blocks_.size()) < n_tokens * nb)
    blocks_.resize(static_cast<size_t>(n_tokens * nb));
  source_ = x;
  n_tokens_ = n_tokens;
  cols_ = cols;
  const auto quantize = cpu::active_kernels().quantize_acts;
  cpu::BlockQ8A* out = blocks_.data();
  // One token runs inline: parallel_for does not wake the pool for one chunk.
  pool.parallel_for(n_tokens, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) quantize(x + t * x_stride, cols, out + t * nb);
  });
}

bool Linear::pack(ThreadPool& pool) {
  if (packed_ != nullptr) return true;
  if (precision_ != Precision::kFast || weight_.rows < cpu::kPackRows) return false;
  const cpu::KernelTable& k = cpu::active_kernels();
  if (k.packed(weight_.type) == nullptr && k.packed_f(weight_.type) == nullptr) return false;
  if (!cpu::packable(weight_.type, weight_.cols)) return false;
  packed_ = std::make_shared<const cpu::PackedWeights>(weight_.type, weight_.rows, weight_.cols,
                                                       weight_.data, pool, k.f16_packing);
  return true;
}

void Linear::forward(const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                     ThreadPool& pool) const {
  forward_fast(x, x_stride, n_tokens, nullptr, y, y_stride, pool);
}

void Linear::forward(const QuantizedRows& rows, int64_t x_stride, float* y, int64_t y_stride,
                     ThreadPool& pool) const {
  YAK_CHECK(rows.cols() == weight_.cols);
  forward_fast(rows.source(), x_stride, rows.n_tokens(), &rows, y, y_stride, pool);
}

void Linear::forward_fast(const float* x, int64_t x_stride, int64_t n_tokens,
                          const QuantizedRows* rows, float* y, int64_t y_stride,
                          ThreadPool& pool) const {
  const cpu::KernelTable& k = cpu::active_kernels();
  const cpu::RowDotQFn qdot = k.quantized(weight_.type);
  const cpu::RowDotFFn fdot = k.floating(weight_.type);
  if (precision_ == Precision::kExact || (qdot == nullptr && fdot == nullptr) || n_tokens <= 0) {
    forward_exact(x, x_stride, n_tokens, y, y_stride, pool);
    return;
  }
  const int64_t cols = weight_.cols;
  const int64_t nb = cols / cpu::kActBlock;

  // Activations: float rows for float weights, else 8-bit blocks quantized once.
  thread_local QuantizedRows own;
  if (qdot != nullptr && rows == nullptr) {
    own.quantize(x, x_stride, n_tokens, cols, pool);
    rows = &own;
  }
  const cpu::BlockQ8A* a = qdot != nullptr ? rows->token(0) : nullptr;

  // Packed row groups first; rows past the last whole group take the row kernels.
  const cpu::PackedGemmFn gemm =
      packed_ != nullptr && qdot != nullptr ? k.packed(weight_.type) : nullptr;
  // A level switched after packing may read F16 in another packing: then the row kernels.
  const cpu::PackedGemmFFn gemm_f =
      packed_ != nullptr && qdot == nullptr && packed_->float_packing() == k.f16_packing
          ? k.packed_f(weight_.type)
          : nullptr;
  const int64_t packed_rows =
      gemm != nullptr || gemm_f != nullptr ? packed_->groups() * cpu::kPackRows : 0;
  // Float-weight kernels that want converted activations get them once per call.
  const void* xa = x;
  int64_t xa_stride = x_stride * static_cast<int64_t>(sizeof(float));
  if (gemm_f != nullptr && k.f16_acts != nullptr) {
    thread_local std::vector<uint8_t> converted;
    const int64_t row = k.f16_act_row_bytes(cols);
    converted.resize(static_cast<size_t>(n_tokens * row));
    uint8_t* out = converted.data();
    pool.parallel_for(n_tokens, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) k.f16_acts(x + t * x_stride, cols, out + t * row);
    });
    xa = out;
    xa_stride = row;
  }
  if (packed_rows > 0) {
    const int64_t group_bytes = packed_->group_bytes();
    const int64_t n_groups = packed_->groups();
    // Work items are (chunk of groups, token tile), claimed dynamically. A chunk
    // (at most ~256 KiB) stays in L2 while its token tiles stream past it; it
    // is small enough that each thread gets several, so no thread waits long
    // for a slow one at the end.
    // Items of under ~64 KiB cost more in claims than they save (small decode steps).
    const int64_t share = (n_groups + 4 * pool.size() - 1) / (4 * pool.size());
    const int64_t most = std::max<int64_t>(1, (256 << 10) / group_bytes);
    const int64_t least = std::min(most, std::max<int64_t>(1, (64 << 10) / group_bytes));
    // An even count, as the widest tiles take groups in pairs.
    const int64_t chunk = std::max<int64_t>(2, std::clamp(share, least, most) & ~int64_t{1});
    const int64_t n_chunks = (n_groups + chunk - 1) / chunk;
    const int64_t n_tiles = (n_tokens + kTokenTile - 1) / kTokenTile;
    pool.for_each_dynamic(n_chunks * n_tiles, [&](int64_t item) {
      const int64_t c0 = item / n_tiles * chunk;
      const int64_t c1 = std::min(n_groups, c0 + chunk);
      const int64_t t = item % n_tiles * kTokenTile;
      const int64_t nt = std::min(kTokenTile, n_tokens - t);
      float* yt = y + t * y_stride + c0 * cpu::kPackRows;
      if (gemm != nullptr) {
        gemm(packed_->group(c0), c1 - c0, group_bytes, cols, a + t * nb, nb, nt, yt, y_stride);
      } else {
        gemm_f(packed_->group(c0), c1 - c0, group_bytes, cols,
               static_cast<const uint8_t*>(xa) + t * xa_stride, xa_stride, nt, yt, y_stride);
      }
    });
  }
  const int64_t rest = weight_.rows - packed_rows;
  if (rest == 0) return;

  const int64_t row_bytes = static_cast<int64_t>(weight_.row_stride_bytes());
  const auto* base = static_cast<const uint8_t*>(weight_.data);
  pool.parallel_for(rest, kRowGrain, [&](int64_t r0, int64_t r1) {
    r0 += packed_rows;
    r1 += packed_rows;
    for (int64_t tt = 0; tt < n_tokens; tt += kTokenTile) {
      const int64_t tt_end = std::min(n_tokens, tt + kTokenTile);
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = base + r * row_bytes;
        for (int64_t t = tt; t < tt_end; t += cpu::kMaxTileTokens) {
          const int nt = static_cast<int>(std::min<int64_t>(cpu::kMaxTileTokens, tt_end - t));
          float out[cpu::kMaxTileTokens];
          if (qdot != nullptr) {
            const cpu::BlockQ8A* ptrs[cpu::kMaxTileTokens];
            for (int i = 0; i < nt; ++i) ptrs[i] = a + (t + i) * nb;
            qdot(row, cols, ptrs, nt, out);
          } else {
            const float* ptrs[cpu::kMaxTileTokens];
            for (int i = 0; i < nt; ++i) ptrs[i] = x + (t + i) * x_stride;
            fdot(row, cols, ptrs, nt, out);
          }
          for (int i = 0; i < nt; ++i) y[(t + i) * y_stride + r] = out[i];
        }
      }
    }
  });
}

}  // namespace yak::kernels
