// The SIMD kernel tables against the scalar one (the reference of the
// quantized-activation arithmetic), and the scalar one against the plain
// reference kernels in cpu/ref, at every level this CPU supports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "unit/kernels/kernel_test_data.h"

namespace yak::kernels::cpu {
namespace {

const DType kQuantTypes[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0,   DType::Q5_1,
                             DType::Q8_0, DType::Q2_K, DType::Q3_K,   DType::Q4_K,
                             DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS};
const DType kFloatTypes[] = {DType::F32, DType::F16, DType::BF16};

std::vector<CpuLevel> simd_levels() {
  std::vector<CpuLevel> out;
  for (CpuLevel l : {CpuLevel::kAvx2, CpuLevel::kAvx512})
    if (level_supported(l)) out.push_back(l);
  return out;
}

std::string name(DType t, CpuLevel l) {
  return std::string(dtype_name(t)) + "/" + std::string(level_name(l));
}

std::vector<BlockQ8A> quantize(const KernelTable& k, const std::vector<float>& x) {
  std::vector<BlockQ8A> q(x.size() / kActBlock);
  k.quantize_acts(x.data(), static_cast<int64_t>(x.size()), q.data());
  return q;
}

TEST(SimdCpu, DetectsLevelsAndParsesNames) {
  EXPECT_TRUE(level_supported(CpuLevel::kScalar));
  EXPECT_TRUE(level_supported(best_level()));
  EXPECT_EQ(parse_level("avx2"), CpuLevel::kAvx2);
  EXPECT_EQ(parse_level("avx512"), CpuLevel::kAvx512);
  EXPECT_EQ(parse_level("scalar"), CpuLevel::kScalar);
  EXPECT_THROW(parse_level("sse9"), Error);
  // AVX-512 implies the AVX2 level, as the dispatch assumes.
  if (level_supported(CpuLevel::kAvx512)) {
    EXPECT_TRUE(level_supported(CpuLevel::kAvx2));
  }
  for (CpuLevel l : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (level_supported(l)) {
      EXPECT_EQ(kernel_table(l).level, l);
    } else {
      EXPECT_THROW(kernel_table(l), Error);
    }
  }
}

TEST(SimdCpu, EveryTypeHasAKernelAtEveryLevel) {
  for (CpuLevel l : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (!level_supported(l)) continue;
    const KernelTable& k = kernel_table(l);
    for (DType t : kQuantTypes) EXPECT_NE(k.quantized(t), nullptr) << name(t, l);
    for (DType t : kFloatTypes) EXPECT_NE(k.floating(t), nullptr) << name(t, l);
    // A SIMD level really has its own kernels (else the comparisons below
    // would compare the scalar table with itself).
    if (l != CpuLevel::kScalar) {
      const KernelTable& s = kernel_table(CpuLevel::kScalar);
      EXPECT_NE(k.quantize_acts, s.quantize_acts) << level_name(l);
      for (DType t : kQuantTypes) EXPECT_NE(k.quantized(t), s.quantized(t)) << name(t, l);
      for (DType t : kFloatTypes) EXPECT_NE(k.floating(t), s.floating(t)) << name(t, l);
    }
  }
}

TEST(SimdQuantizeActs, BitExactWithScalar) {
  ASSERT_FALSE(simd_levels().empty()) << "this test needs a CPU with AVX2";
  std::mt19937 rng(7);
  const KernelTable& ref = kernel_table(CpuLevel::kScalar);
  for (CpuLevel l : simd_levels()) {
    for (float scale : {1e-30f, 1e-3f, 1.0f, 1e4f}) {
      auto x = random_floats(32 * 37, rng, scale);
      std::fill(x.begin() + 64, x.begin() + 96, 0.0f);  // an all-zero block
      x[200] = 1e30f;                                   // a block with a huge value
      const auto a = quantize(ref, x);
      const auto b = quantize(kernel_table(l), x);
      ASSERT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(BlockQ8A)), 0)
          << level_name(l) << " scale " << scale;
      for (const auto& blk : a)
        for (int8_t q : blk.qs) ASSERT_NE(q, -128);
    }
  }
}

TEST(SimdQuantizeActs, NonFiniteBlocksGiveNan) {
  for (CpuLevel l : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (!level_supported(l)) continue;
    std::vector<float> x(96, 1.0f);
    x[5] = NAN;
    x[40] = INFINITY;
    const auto q = quantize(kernel_table(l), x);
    EXPECT_TRUE(std::isnan(q[0].d)) << level_name(l);
    EXPECT_TRUE(std::isnan(q[1].d)) << level_name(l);
    EXPECT_FLOAT_EQ(q[2].d, 1.0f / 127.0f) << level_name(l);
  }
}

// With every scale a power of two and small rows, every partial float sum is
// exact, so any order of summation gives the same float: SIMD == scalar exactly.
TEST(SimdRowDot, LegacyTypesExactWithPowerOfTwoScales) {
  ASSERT_FALSE(simd_levels().empty()) << "this test needs a CPU with AVX2";
  std::mt19937 rng(11);
  const KernelTable& ref = kernel_table(CpuLevel::kScalar);
  const int64_t n = 128;
  std::vector<float> x(n);
  std::uniform_int_distribution<int> qd(-127, 127);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 32 == 0 ? 127 : qd(rng));
  const auto acts = quantize(ref, x);
  ASSERT_EQ(acts[0].d, 1.0f);
  const BlockQ8A* ptr[1] = {acts.data()};
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0}) {
    for (int rep = 0; rep < 20; ++rep) {
      const auto row = random_row(t, n, rng, true);
      float want;
      ref.quantized(t)(row.data(), n, ptr, 1, &want);
      for (CpuLevel l : simd_levels()) {
        float got;
        kernel_table(l).quantized(t)(row.data(), n, ptr, 1, &got);
        ASSERT_EQ(got, want) << name(t, l);
      }
    }
  }
}

// Activations that quantize exactly (integers with 127 in every block): the
// scalar quantized kernel then equals the reference dequantize-and-dot.
TEST(SimdRowDot, ScalarKernelMatchesReferenceDot) {
  std::mt19937 rng(3);
  const KernelTable& ref = kernel_table(CpuLevel::kScalar);
  const int64_t n = 512;
  std::vector<float> x(n);
  std::uniform_int_distribution<int> qd(-127, 127);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 32 == 7 ? -127 : qd(rng));
  const auto acts = quantize(ref, x);
  const BlockQ8A* ptr[1] = {acts.data()};
  for (DType t : kQuantTypes) {
    for (int rep = 0; rep < 10; ++rep) {
      const auto row = random_row(t, n, rng, false);
      float got;
      ref.quantized(t)(row.data(), n, ptr, 1, &got);
      const float want = ref::dot_row(t, row.data(), x.data(), n);
      ASSERT_NEAR(got, want, 1e-6 * abs_dot(t, row.data(), x) + 1e-30) << dtype_name(t);
    }
  }
}

// Random rows, random activations, 1..4 tokens, several lengths.
TEST(SimdRowDot, QuantizedMatchesScalarKernel) {
  ASSERT_FALSE(simd_levels().empty()) << "this test needs a CPU with AVX2";
  std::mt19937 rng(5);
  const KernelTable& ref = kernel_table(CpuLevel::kScalar);
  for (DType t : kQuantTypes) {
    const int64_t bs = traits(t).block_size;
    for (int64_t blocks : {1, 3, 8}) {
      const int64_t n = blocks * bs;
      const auto row = random_row(t, n, rng, false);
      std::vector<std::vector<float>> xs;
      std::vector<std::vector<BlockQ8A>> qs;
      const BlockQ8A* ptr[kMaxTileTokens];
      for (int i = 0; i < kMaxTileTokens; ++i) {
        xs.push_back(random_floats(n, rng));
        qs.push_back(quantize(ref, xs.back()));
        ptr[i] = qs.back().data();
      }
      for (int nt = 1; nt <= kMaxTileTokens; ++nt) {
        float want[kMaxTileTokens];
        ref.quantized(t)(row.data(), n, ptr, nt, want);
        for (CpuLevel l : simd_levels()) {
          float got[kMaxTileTokens];
          kernel_table(l).quantized(t)(row.data(), n, ptr, nt, got);
          for (int i = 0; i < nt; ++i)
            ASSERT_NEAR(got[i], want[i], 2e-6 * abs_dot(t, row.data(), xs[i]) + 1e-30)
                << name(t, l) << " n=" << n << " nt=" << nt << " token " << i;
        }
      }
    }
  }
}

TEST(SimdRowDot, FloatTypesMatchScalarKernel) {
  ASSERT_FALSE(simd_levels().empty()) << "this test needs a CPU with AVX2";
  std::mt19937 rng(9);
  const KernelTable& ref = kernel_table(CpuLevel::kScalar);
  for (DType t : kFloatTypes) {
    for (int64_t n : {1, 7, 16, 33, 64, 100, 1000}) {
      std::vector<uint8_t> row(row_bytes(t, n));
      ref::quantize_row(t, random_floats(n, rng).data(), row.data(), n);
      std::vector<std::vector<float>> xs;
      const float* ptr[kMaxTileTokens];
      for (int i = 0; i < kMaxTileTokens; ++i) {
        xs.push_back(random_floats(n, rng));
        ptr[i] = xs.back().data();
      }
      for (int nt = 1; nt <= kMaxTileTokens; ++nt) {
        float want[kMaxTileTokens];
        ref.floating(t)(row.data(), n, ptr, nt, want);
        for (CpuLevel l : simd_levels()) {
          float got[kMaxTileTokens];
          kernel_table(l).floating(t)(row.data(), n, ptr, nt, got);
          for (int i = 0; i < nt; ++i)
            ASSERT_NEAR(got[i], want[i], 1e-6 * abs_dot(t, row.data(), xs[i]) + 1e-30)
                << name(t, l) << " n=" << n;
        }
        float d = kernel_table(CpuLevel::kScalar).dot_f32(xs[0].data(), xs[1].data(), n);
        for (CpuLevel l : simd_levels())
          EXPECT_NEAR(kernel_table(l).dot_f32(xs[0].data(), xs[1].data(), n), d, 1e-5 * n + 1e-6);
      }
    }
  }
}

}  // namespace
}  // namespace yak::kernels::cpu
