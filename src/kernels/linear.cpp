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

Linear::Linear(const MatrixView& weight, Precision precision) : weight_(weight) {
  if (!traits(weight.type).supported)
    fail("weights of type {} are not supported", dtype_name(weight.type));
  set_precision(precision);
}

void Linear::set_precision(Precision precision) {
  // The fast path quantizes activations in blocks of kActBlock; a float matrix with rows of
  // another length (a file may declare one) computes exactly instead of failing.
  precision_ = weight_.cols % cpu::kActBlock == 0 ? precision : Precision::kExact;
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
  if (!cpu::packable(weight_.type, weight_.cols, k.f16_packing)) return false;
  packed_ = std::make_shared<const cpu::PackedWeights>(weight_.type, weight_.rows, weight_.cols,
                                                       weight_.data, pool, k.f16_packing);
  return true;
}

void Linear::forward(const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                     ThreadPool& pool) const {
  const Projection one{this, y, y_stride};
  forward_fast({&one, 1}, x, x_stride, n_tokens, nullptr, pool);
}

void Linear::forward(const QuantizedRows& rows, int64_t x_stride, float* y, int64_t y_stride,
                     ThreadPool& pool) const {
  const Projection one{this, y, y_stride};
  forward_many({&one, 1}, rows, x_stride, pool);
}

void Linear::forward_many(std::span<const Projection> projections, const QuantizedRows& rows,
                          int64_t x_stride, ThreadPool& pool) {
  for (const Projection& p : projections) YAK_CHECK(rows.cols() == p.linear->weight_.cols);
  forward_fast(projections, rows.source(), x_stride, rows.n_tokens(), &rows, pool);
}

namespace {

// One projection's packed row groups in a call, cut into work items of
// (chunk of groups, token tile) that threads claim dynamically.
struct PackedPass {
  const cpu::PackedWeights* packed = nullptr;
  cpu::PackedGemmFn gemm = nullptr;     // 8-bit activations `a`
  cpu::PackedGemmFFn gemm_f = nullptr;  // float-weight kernels: activation rows `xa`
  const cpu::BlockQ8A* a = nullptr;
  const uint8_t* xa = nullptr;
  int64_t xa_stride = 0;
  float* y = nullptr;
  int64_t y_stride = 0;
  int64_t n_tokens = 0;
  int64_t chunk = 0;
  int64_t n_chunks = 0;
  int64_t n_tiles = 0;

  void plan(int64_t threads) {
    // A chunk (at most ~256 KiB) stays in L2 while its token tiles stream past
    // it, and is small enough that each thread gets several, so no thread
    // waits long for a slow one at the end. Items of under ~64 KiB cost more
    // in claims than they save (small decode steps).
    const int64_t n_groups = packed->groups();
    const int64_t group_bytes = packed->group_bytes();
    const int64_t share = (n_groups + 4 * threads - 1) / (4 * threads);
    const int64_t most = std::max<int64_t>(1, (256 << 10) / group_bytes);
    const int64_t least = std::min(most, std::max<int64_t>(1, (64 << 10) / group_bytes));
    // An even count, as the widest tiles take groups in pairs.
    chunk = std::max<int64_t>(2, std::clamp(share, least, most) & ~int64_t{1});
    n_chunks = (n_groups + chunk - 1) / chunk;
    n_tiles = (n_tokens + kTokenTile - 1) / kTokenTile;
  }
  int64_t items() const { return n_chunks * n_tiles; }

  void run(int64_t item) const {
    const int64_t cols = packed->cols();
    const int64_t nb = cols / cpu::kActBlock;
    const int64_t c0 = item / n_tiles * chunk;
    const int64_t c1 = std::min(packed->groups(), c0 + chunk);
    const int64_t t = item % n_tiles * kTokenTile;
    const int64_t nt = std::min(kTokenTile, n_tokens - t);
    float* yt = y + t * y_stride + c0 * cpu::kPackRows;
    if (gemm != nullptr) {
      gemm(packed->group(c0), c1 - c0, packed->group_bytes(), cols, a + t * nb, nb, nt, yt,
           y_stride);
    } else {
      gemm_f(packed->group(c0), c1 - c0, packed->group_bytes(), cols, xa + t * xa_stride, xa_stride,
             nt, yt, y_stride);
    }
  }
};

}  // namespace

void Linear::forward_fast(std::span<const Projection> projections, const float* x, int64_t x_stride,
                          int64_t n_tokens, const QuantizedRows* rows, ThreadPool& pool) {
  if (n_tokens <= 0) return;
  const cpu::KernelTable& k = cpu::active_kernels();
  // The fast projections of this call; projections without fast kernels take
  // the exact path, each on its own. Reused across calls: a decode step makes
  // hundreds, and none should allocate.
  struct Work {
    const Projection* projection;
    bool q8;              // 8-bit activations (else float rows)
    int64_t packed_rows;  // rows the packed pass covers; the rest take the row kernels
    int64_t first_item;   // the pass's items in the combined list
    PackedPass pass;
  };
  thread_local std::vector<Work> calls_work;
  // A name for this thread's list that the pool's lambda captures (inside it,
  // the thread_local itself would name each worker's own, empty, list).
  std::vector<Work>& work = calls_work;
  work.clear();
  bool wants_q8 = false;
  for (const Projection& p : projections) {
    const Linear& l = *p.linear;
    const bool q8 = k.quantized(l.weight_.type) != nullptr;
    if (l.precision_ == Precision::kExact || (!q8 && k.floating(l.weight_.type) == nullptr)) {
      l.forward_exact(x, x_stride, n_tokens, p.y, p.y_stride, pool);
      continue;
    }
    work.push_back({&p, q8, 0, 0, {}});
    wants_q8 |= q8;
  }
  if (work.empty()) return;
  const int64_t cols = work.front().projection->linear->weight_.cols;

  // Activations: 8-bit blocks quantized once for every integer kernel, float
  // rows for float weights.
  thread_local QuantizedRows own;
  if (wants_q8 && rows == nullptr) {
    own.quantize(x, x_stride, n_tokens, cols, pool);
    rows = &own;
  }
  const cpu::BlockQ8A* a = wants_q8 ? rows->token(0) : nullptr;

  // Packed row groups of every projection in one parallel section; rows past
  // the last whole group take the row kernels afterwards.
  bool converts = false;
  for (Work& w : work) {
    const Linear& l = *w.projection->linear;
    if (l.packed_ == nullptr) continue;
    PackedPass& pass = w.pass;
    pass.packed = l.packed_.get();
    pass.gemm = w.q8 ? k.packed(l.weight_.type) : nullptr;
    // A level switched after packing may read F16 in another packing: then the row kernels.
    pass.gemm_f =
        !w.q8 && l.packed_->float_packing() == k.f16_packing ? k.packed_f(l.weight_.type) : nullptr;
    if (pass.gemm == nullptr && pass.gemm_f == nullptr) continue;
    pass.a = a;
    pass.y = w.projection->y;
    pass.y_stride = w.projection->y_stride;
    pass.n_tokens = n_tokens;
    pass.plan(pool.size());
    converts |= pass.gemm_f != nullptr && k.f16_acts != nullptr;
    w.packed_rows = l.packed_->groups() * cpu::kPackRows;
  }
  // Float-weight kernels that want converted activations get them once per call.
  const uint8_t* xa = reinterpret_cast<const uint8_t*>(x);
  int64_t xa_stride = x_stride * static_cast<int64_t>(sizeof(float));
  if (converts) {
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
  int64_t total_items = 0;
  for (Work& w : work) {
    w.pass.xa = xa;
    w.pass.xa_stride = xa_stride;
    w.first_item = total_items;
    if (w.packed_rows > 0) total_items += w.pass.items();
  }
  pool.for_each_dynamic(total_items, [&](int64_t item) {
    // Projections without a pass hold no items: skip to the one whose range holds `item`.
    size_t i = 0;
    while (i + 1 < work.size() && item >= work[i + 1].first_item) ++i;
    work[i].pass.run(item - work[i].first_item);
  });

  for (const Work& w : work) {
    const Linear& l = *w.projection->linear;
    if (w.packed_rows < l.weight_.rows)
      l.forward_rows(w.packed_rows, x, x_stride, n_tokens, w.q8 ? a : nullptr, w.projection->y,
                     w.projection->y_stride, pool);
  }
}

void Linear::forward_rows(int64_t first_row, const float* x, int64_t x_stride, int64_t n_tokens,
                          const cpu::BlockQ8A* a, float* y, int64_t y_stride,
                          ThreadPool& pool) const {
  const cpu::KernelTable& k = cpu::active_kernels();
  const cpu::RowDotQFn qdot = a != nullptr ? k.quantized(weight_.type) : nullptr;
  const cpu::RowDotFFn fdot = k.floating(weight_.type);
  const int64_t cols = weight_.cols;
  const int64_t nb = cols / cpu::kActBlock;
  const int64_t row_bytes = static_cast<int64_t>(weight_.row_stride_bytes());
  const auto* base = static_cast<const uint8_t*>(weight_.data);
  pool.parallel_for(weight_.rows - first_row, kRowGrain, [&](int64_t r0, int64_t r1) {
    r0 += first_row;
    r1 += first_row;
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
