// Linear's fast path against its exact path, at every CPU level, on odd shapes:
// one row, rows not a multiple of the thread grain, one token, token counts
// that are not a multiple of the 4-token tile or cross the 64-token tile.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "kernels/linear.h"

namespace yak::kernels {
namespace {

// Restores the process's kernel level when a test ends.
struct LevelGuard {
  cpu::CpuLevel saved = cpu::active_kernels().level;
  ~LevelGuard() { cpu::set_active_kernels(saved); }
};

const DType kTypes[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,   DType::Q8_0,
                        DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,   DType::Q6_K,
                        DType::F32,  DType::F16,  DType::BF16, DType::IQ4_NL, DType::IQ4_XS};

// The most the fast path may differ from the exact one: an 8-bit activation
// errs by at most half its block's step (amax/254), so the dot by at most
// sum |w| * step/2; plus float rounding, relative to sum |w x|.
double error_bound(DType type, const float* w, const float* x, int64_t n) {
  double quant = 0.0, mag = 0.0;
  const bool quantized = traits(type).block_size > 1;
  for (int64_t b = 0; b < n; b += cpu::kActBlock) {
    const int64_t e = std::min<int64_t>(n, b + cpu::kActBlock);
    double amax = 0.0;
    for (int64_t i = b; i < e; ++i) amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
    for (int64_t i = b; i < e; ++i) {
      if (quantized) quant += std::fabs(static_cast<double>(w[i])) * amax / 254.0;
      mag += std::fabs(static_cast<double>(w[i]) * x[i]);
    }
  }
  return 1.001 * quant + 1e-5 * mag + 1e-30;
}

TEST(SimdLinear, FastMatchesExactAtEveryLevelOnOddShapes) {
  LevelGuard guard;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  ThreadPool pool(2);
  for (const DType type : kTypes) {
    const int64_t bs = traits(type).block_size;
    const int64_t cols = bs == 1 ? 67 : 2 * bs;
    for (int64_t rows : {1, 5, 37}) {
      std::vector<float> wf(static_cast<size_t>(rows * cols));
      for (auto& v : wf) v = dist(rng);
      std::vector<uint8_t> w(row_bytes(type, cols) * rows);
      for (int64_t r = 0; r < rows; ++r)
        ref::quantize_row(type, wf.data() + r * cols, w.data() + r * row_bytes(type, cols), cols);
      const Linear fast(MatrixView{type, rows, cols, w.data()}, Precision::kFast);
      const Linear exact(MatrixView{type, rows, cols, w.data()}, Precision::kExact);
      for (int64_t tokens : {1, 3, 6, 67}) {
        const int64_t xs = cols + 3;  // strided rows
        const int64_t ys = rows + 2;
        std::vector<float> x(static_cast<size_t>(tokens * xs));
        for (auto& v : x) v = dist(rng);
        std::vector<float> want(static_cast<size_t>(tokens * ys), -1.0f);
        exact.forward(x.data(), xs, tokens, want.data(), ys, pool);
        std::vector<float> wrow(static_cast<size_t>(cols));
        for (cpu::CpuLevel l :
             {cpu::CpuLevel::kScalar, cpu::CpuLevel::kAvx2, cpu::CpuLevel::kAvx512}) {
          if (!cpu::level_supported(l)) continue;
          cpu::set_active_kernels(l);
          std::vector<float> got(static_cast<size_t>(tokens * ys), -1.0f);
          fast.forward(x.data(), xs, tokens, got.data(), ys, pool);
          for (int64_t r = 0; r < rows; ++r) {
            exact.dequantize_row(r, wrow.data());
            for (int64_t t = 0; t < tokens; ++t) {
              const double bound = error_bound(type, wrow.data(), x.data() + t * xs, cols);
              ASSERT_NEAR(got[t * ys + r], want[t * ys + r], bound)
                  << dtype_name(type) << "/" << cpu::level_name(l) << " rows=" << rows
                  << " tokens=" << tokens << " r=" << r << " t=" << t;
            }
            // Padding between output rows stays untouched.
            for (int64_t t = 0; t < tokens; ++t) ASSERT_EQ(got[t * ys + rows], -1.0f);
          }
        }
      }
    }
  }
}

TEST(SimdLinear, ForwardManyMatchesOneCallEach) {
  // Packed with rows past the last group, packed F16 (float activations),
  // unpacked, exact: one fused call must give what one call each gives.
  LevelGuard guard;
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  ThreadPool pool(3);
  const int64_t cols = 512;
  struct Spec {
    DType type;
    int64_t rows;
    Precision precision;
  };
  const Spec specs[] = {{DType::Q4_0, 133, Precision::kFast},
                        {DType::F16, 48, Precision::kFast},
                        {DType::F32, 21, Precision::kFast},
                        {DType::Q8_0, 9, Precision::kExact},
                        {DType::Q6_K, 600, Precision::kFast}};
  for (cpu::CpuLevel l : {cpu::CpuLevel::kScalar, cpu::CpuLevel::kAvx2, cpu::CpuLevel::kAvx512}) {
    if (!cpu::level_supported(l)) continue;
    cpu::set_active_kernels(l);
    std::vector<std::vector<uint8_t>> bytes;
    std::vector<Linear> linears;
    for (const Spec& spec : specs) {
      std::vector<float> wf(static_cast<size_t>(spec.rows * cols));
      for (auto& v : wf) v = dist(rng);
      const uint64_t rb = row_bytes(spec.type, cols);
      bytes.emplace_back(rb * spec.rows);
      for (int64_t r = 0; r < spec.rows; ++r)
        ref::quantize_row(spec.type, wf.data() + r * cols, bytes.back().data() + r * rb, cols);
      linears.emplace_back(MatrixView{spec.type, spec.rows, cols, bytes.back().data()},
                           spec.precision);
      linears.back().pack(pool);
    }
    for (int64_t tokens : {1, 5, 70}) {
      const int64_t xs = cols + 7;
      std::vector<float> x(static_cast<size_t>(tokens * xs));
      for (auto& v : x) v = dist(rng);
      QuantizedRows rows;
      rows.quantize(x.data(), xs, tokens, cols, pool);
      std::vector<std::vector<float>> want, got;
      std::vector<Projection> projections;
      for (const Linear& linear : linears) {
        const int64_t ys = linear.out_features() + 1;
        want.emplace_back(static_cast<size_t>(tokens * ys), -1.0f);
        got.emplace_back(static_cast<size_t>(tokens * ys), -1.0f);
        linear.forward(rows, xs, want.back().data(), ys, pool);
        projections.push_back({&linear, got.back().data(), ys});
      }
      Linear::forward_many(projections, rows, xs, pool);
      for (size_t i = 0; i < linears.size(); ++i)
        ASSERT_EQ(got[i], want[i])
            << cpu::level_name(l) << " " << dtype_name(specs[i].type) << " tokens=" << tokens;
    }
  }
}

TEST(SimdLinear, DefaultPrecisionIsSettable) {
  const Precision saved = default_precision();
  float w[32] = {};
  set_default_precision(Precision::kExact);
  EXPECT_EQ(Linear(MatrixView{DType::F32, 1, 32, w}).precision(), Precision::kExact);
  set_default_precision(Precision::kFast);
  EXPECT_EQ(Linear(MatrixView{DType::F32, 1, 32, w}).precision(), Precision::kFast);
  set_default_precision(saved);
}

TEST(SimdLinear, UnsupportedLevelIsRefused) {
  for (cpu::CpuLevel l : {cpu::CpuLevel::kAvx2, cpu::CpuLevel::kAvx512})
    if (!cpu::level_supported(l)) {
      EXPECT_THROW(cpu::set_active_kernels(l), Error);
    }
  EXPECT_NO_THROW(cpu::set_active_kernels(cpu::active_kernels().level));
}

}  // namespace
}  // namespace yak::kernels
