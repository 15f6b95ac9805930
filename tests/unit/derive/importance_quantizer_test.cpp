// Quantizing with importances: valid blocks, an importance-weighted error never above the
// unweighted encoding's and clearly below it when the importances are skewed, refusals.
#include "derive/importance_quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "derive/k_quantizer.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "yak/error.h"

namespace yak::derive {
namespace {

constexpr DType kTypes[] = {DType::Q2_K, DType::Q3_K,   DType::Q4_K,  DType::Q5_K,
                            DType::Q6_K, DType::Q4_0,   DType::Q4_1,  DType::Q5_0,
                            DType::Q5_1, DType::IQ4_NL, DType::IQ4_XS};

std::vector<float> weights(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  for (size_t i = 0; i < n; i += 61) x[i] *= 6.0f;
  return x;
}

// Mean squares of activations: most columns small, a few large (as real ones are).
std::vector<float> importances(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::lognormal_distribution<float> d(0.0f, 1.5f);
  std::vector<float> w(n);
  for (float& v : w) v = d(rng);
  return w;
}

TEST(ImportanceQuantizer, NeverWorseAndUsuallyBetterByTheWeightedError) {
  const int64_t n = 1024;
  for (DType type : kTypes) {
    double with = 0, without = 0;
    for (uint32_t seed = 1; seed <= 8; ++seed) {
      const std::vector<float> x = weights(n, seed), imp = importances(n, seed + 100);
      std::vector<uint8_t> a(row_bytes(type, n)), b(row_bytes(type, n));
      quantize_row_importance(type, x.data(), a.data(), n, imp.data());
      quantize_row_best(type, x.data(), b.data(), n);
      std::vector<float> decoded(n);
      kernels::ref::dequantize_row(type, a.data(), decoded.data(), n);
      for (float v : decoded) ASSERT_TRUE(std::isfinite(v)) << dtype_name(type);
      const double ea = importance_weighted_error(type, x.data(), a.data(), n, imp.data());
      const double eb = importance_weighted_error(type, x.data(), b.data(), n, imp.data());
      EXPECT_LE(ea, eb) << dtype_name(type) << " seed " << seed;
      with += ea;
      without += eb;
    }
    // Skewed importances leave room to gain: at least 5% on every type.
    EXPECT_LT(with, 0.95 * without) << dtype_name(type);
  }
}

TEST(ImportanceQuantizer, TypesWithoutImportanceEncodeAsBefore) {
  EXPECT_FALSE(uses_importance(DType::Q8_0));
  EXPECT_FALSE(uses_importance(DType::F16));
  const int64_t n = 256;
  const std::vector<float> x = weights(n, 3), imp = importances(n, 4);
  std::vector<uint8_t> a(row_bytes(DType::Q8_0, n)), b(row_bytes(DType::Q8_0, n));
  quantize_row_importance(DType::Q8_0, x.data(), a.data(), n, imp.data());
  quantize_row_best(DType::Q8_0, x.data(), b.data(), n);
  EXPECT_EQ(a, b);
}

TEST(ImportanceQuantizer, RefusesBadImportancesAndLengths) {
  const int64_t n = 256;
  const std::vector<float> x = weights(n, 5);
  std::vector<float> imp(n, 1.0f);
  std::vector<uint8_t> out(row_bytes(DType::Q4_K, n));
  imp[7] = -1.0f;
  EXPECT_THROW(quantize_row_importance(DType::Q4_K, x.data(), out.data(), n, imp.data()), Error);
  imp[7] = std::nanf("");
  EXPECT_THROW(quantize_row_importance(DType::Q4_0, x.data(), out.data(), n, imp.data()), Error);
  imp[7] = 1.0f;
  EXPECT_THROW(quantize_row_importance(DType::Q4_K, x.data(), out.data(), 96, imp.data()), Error);
}

}  // namespace
}  // namespace yak::derive
