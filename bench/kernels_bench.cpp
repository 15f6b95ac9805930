// Linear's fast path per weight type: GEMV (one token, decode) at 2048x2048 and
// 5632x2048, and GEMM (512 tokens, prefill) at 2048x2048, from the file's
// layout and (packed_*) from the interleaved layout that models load into. bytes_per_second is
// the weight bytes streamed (the decode bound); "GFLOPs" counts 2 flops per
// weight per token. YAK_CPU picks the kernel level, YAK_BENCH_THREADS the
// thread count (default 1).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/thread_pool.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "kernels/linear.h"

namespace {

using yak::DType;

const DType kTypes[] = {DType::Q4_0, DType::Q8_0, DType::Q4_K, DType::Q6_K,   DType::F16,
                        DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q5_K,   DType::Q3_K,
                        DType::Q2_K, DType::BF16, DType::F32,  DType::IQ4_NL, DType::IQ4_XS};

int bench_threads() {
  const char* env = std::getenv("YAK_BENCH_THREADS");
  return env != nullptr ? std::max(1, std::atoi(env)) : 1;
}

yak::ThreadPool& pool() {
  static yak::ThreadPool p(bench_threads());
  return p;
}

void run(benchmark::State& state, DType type, int64_t rows, int64_t cols, int64_t tokens,
         yak::kernels::Precision precision, bool packed) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> wf(static_cast<size_t>(cols));
  const uint64_t rb = yak::row_bytes(type, cols);
  std::vector<uint8_t> w(rb * rows);
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : wf) v = dist(rng);
    yak::kernels::ref::quantize_row(type, wf.data(), w.data() + r * rb, cols);
  }
  std::vector<float> x(static_cast<size_t>(tokens * cols));
  for (auto& v : x) v = dist(rng);
  std::vector<float> y(static_cast<size_t>(tokens * rows));
  yak::kernels::Linear lin(yak::kernels::MatrixView{type, rows, cols, w.data()}, precision);
  if (packed && !lin.pack(pool())) {
    state.SkipWithError("no packed kernel for this type at this CPU level");
    return;
  }
  for (auto _ : state) {
    lin.forward(x.data(), cols, tokens, y.data(), rows, pool());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(w.size()));
  state.counters["GFLOPs"] = benchmark::Counter(2.0 * static_cast<double>(rows * cols * tokens) *
                                                    static_cast<double>(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

void add(const std::string& name, DType t, int64_t rows, int64_t tokens, yak::kernels::Precision p,
         bool packed = false, int64_t cols = 2048) {
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(), [=](benchmark::State& s) { run(s, t, rows, cols, tokens, p, packed); });
  b->UseRealTime();  // other processes share the cores: count wall time
  if (tokens > 1) b->Unit(benchmark::kMillisecond);
}

// One attention tile with the kernel a model picks for it: 16 lanes as a
// prefill of a TinyLlama-shaped layer runs it (2 tokens x 8 query heads of one
// KV head), 8 or 3 lanes as a decode step of TinyLlama or SmolLM2 does (the
// query heads of one KV head). Head_dim 64, keys in 32-token cache runs of a
// 256-float (4 KV heads) row, tokens at position `last`. "GFLOPs" counts QK
// and PV (4 flops per lane, dimension and key seen).
void attention(benchmark::State& state, int32_t last, int n_queries) {
  using namespace yak::kernels::cpu;
  constexpr int64_t kHeadDim = 64, kStride = 256;
  const int32_t n_keys = last + 1;
  std::mt19937 rng(2);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> kv(static_cast<size_t>(2 * n_keys * kStride)), q(16 * kHeadDim),
      out(16 * kHeadDim);
  for (auto& v : kv) v = dist(rng);
  for (auto& v : q) v = dist(rng);
  std::vector<const float*> keys, values;
  std::vector<int32_t> lengths;
  for (int32_t j = 0; j < n_keys; j += 32) {
    keys.push_back(kv.data() + j * kStride);
    values.push_back(kv.data() + (n_keys + j) * kStride);
    lengths.push_back(std::min(32, n_keys - j));
  }
  AttentionTile tile;
  tile.n_queries = n_queries;
  for (int i = 0; i < n_queries; ++i) {
    tile.q[i] = q.data() + i * kHeadDim;
    tile.out[i] = out.data() + i * kHeadDim;
    // A prefill tile's lanes are two tokens; a decode step's are one.
    tile.last_key[i] = last - (i < 8 && n_queries == 16 ? 1 : 0);
  }
  const KeyValueRuns runs{keys.data(), values.data(), lengths.data(),
                          static_cast<int32_t>(lengths.size()), kStride};
  const AttendTileFn attend = active_kernels().attend(n_queries);
  for (auto _ : state) {
    attend(tile, runs, kHeadDim, 0.125f);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOPs"] = benchmark::Counter(
      4.0 * n_queries * kHeadDim * n_keys * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}

int register_all() {
  for (int n_queries : {16, 8, 3})
    for (int32_t last : {63, 255, 2047})
      benchmark::RegisterBenchmark(
          ("attention/" + std::to_string(n_queries) + "x64/keys" + std::to_string(last + 1))
              .c_str(),
          [=](benchmark::State& s) { attention(s, last, n_queries); })
          ->UseRealTime();
  using yak::kernels::Precision;
  for (DType t : kTypes) {
    const std::string n(yak::dtype_name(t));
    add("gemv/" + n + "/2048x2048", t, 2048, 1, Precision::kFast);
    add("gemv/" + n + "/5632x2048", t, 5632, 1, Precision::kFast);
    add("gemm512/" + n + "/2048x2048", t, 2048, 512, Precision::kFast);
    add("packed_gemv/" + n + "/5632x2048", t, 5632, 1, Precision::kFast, true);
    add("packed_gemm512/" + n + "/2048x2048", t, 2048, 512, Precision::kFast, true);
    add("packed_gemm512/" + n + "/2048x5632", t, 2048, 512, Precision::kFast, true, 5632);
    add("gemv_exact/" + n + "/2048x2048", t, 2048, 1, Precision::kExact);
  }
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
