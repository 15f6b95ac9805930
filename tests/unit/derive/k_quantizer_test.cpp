// The quantizer of `yak quantize` against the reference quantizers and the reference
// dequantizers: valid blocks (decoded by kernels/cpu/ref), an RMS error per K type no larger
// than the simple reference's, within each type's usual range, and in the order of the bits.
#include "derive/k_quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "format/gguf_file.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "unit/test_paths.h"
#include "yak/error.h"

namespace yak::derive {
namespace {

constexpr DType kKTypes[] = {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

// RMS of (decoded - x) over RMS of x.
double relative_rms(DType type, const std::vector<float>& x, bool best) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(type, n));
  if (best)
    quantize_row_best(type, x.data(), q.data(), n);
  else
    kernels::ref::quantize_row(type, x.data(), q.data(), n);
  std::vector<float> y(x.size());
  kernels::ref::dequantize_row(type, q.data(), y.data(), n);
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (double{y[i]} - x[i]) * (double{y[i]} - x[i]);
    ref += double{x[i]} * x[i];
  }
  return std::sqrt(err / ref);
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  // A few outliers, as real weight matrices have.
  for (size_t i = 0; i < n; i += 997) x[i] *= 8.0f;
  return x;
}

// A real weight matrix: ffn_down of the default model's first layer (rows of 1536).
std::vector<float> real_weights() {
  const gguf::File f = gguf::File::open(test::default_model_path());
  const auto& t = f.require_tensor("blk.0.ffn_down.weight");
  const int64_t rows = std::min<int64_t>(t.rows(), 128);
  std::vector<float> x(static_cast<size_t>(rows * t.shape[0]));
  const uint64_t row_size = row_bytes(t.type, t.shape[0]);
  for (int64_t r = 0; r < rows; ++r)
    kernels::ref::dequantize_row(t.type, t.data + r * row_size, x.data() + r * t.shape[0],
                                 t.shape[0]);
  return x;
}

void expect_better_and_ordered(const std::vector<float>& x, const double (&bound)[5],
                               bool ordered) {
  double previous = 1e9;
  for (size_t k = 0; k < 5; ++k) {
    const DType type = kKTypes[k];
    const double best = relative_rms(type, x, true);
    const double simple = relative_rms(type, x, false);
    EXPECT_LE(best, simple) << dtype_name(type);
    EXPECT_LT(best, bound[k]) << dtype_name(type);
    if (ordered) {
      EXPECT_LT(best, previous) << dtype_name(type) << " is not better than the type below it";
    }
    previous = best;
    std::printf("  %s: relative RMS %.4f (reference quantizer %.4f)\n", dtype_name(type).data(),
                best, simple);
  }
}

TEST(KQuantizer, GaussianWeightsErrorPerType) {
  // Q2_K Q3_K Q4_K Q5_K Q6_K: each type's usual range on Gaussian data.
  expect_better_and_ordered(gaussian(256 * 64, 1), {0.40, 0.22, 0.11, 0.055, 0.028}, true);
}

// The default model's weights are Q4_1 values (16 levels per 32): Q4_K and Q5_K, whose
// sub-blocks of 32 have a scale and an offset, hold them almost exactly, so the errors are
// not in the order of the bits there.
TEST(KQuantizer, RealWeightsErrorPerType) {
  if (!std::filesystem::exists(test::default_model_path()))
    GTEST_SKIP() << "model missing: " << test::default_model_path();
  expect_better_and_ordered(real_weights(), {0.40, 0.22, 0.11, 0.055, 0.028}, false);
}

TEST(KQuantizer, WeightsShiftTheErrorToWhereTheyAreLarge) {
  const std::vector<float> x = gaussian(256 * 8, 3);
  std::vector<float> w(x.size(), 1.0f);
  for (size_t i = 0; i < w.size(); i += 4) w[i] = 100.0f;
  const auto n = static_cast<int64_t>(x.size());
  auto weighted_error = [&](const float* weights) {
    std::vector<uint8_t> q(row_bytes(DType::Q3_K, n));
    quantize_row_best(DType::Q3_K, x.data(), q.data(), n, weights);
    std::vector<float> y(x.size());
    kernels::ref::dequantize_row(DType::Q3_K, q.data(), y.data(), n);
    double e = 0;
    for (size_t i = 0; i < x.size(); ++i) e += w[i] * (y[i] - x[i]) * (y[i] - x[i]);
    return e;
  };
  EXPECT_LT(weighted_error(w.data()), weighted_error(nullptr));
}

TEST(KQuantizer, ZerosAndConstantsDecodeExactlyEnough) {
  for (DType type : kKTypes) {
    std::vector<float> zeros(256, 0.0f);
    EXPECT_EQ(relative_rms(type, std::vector<float>(256, 0.5f), true) < 0.01, true)
        << dtype_name(type);
    std::vector<uint8_t> q(row_bytes(type, 256));
    quantize_row_best(type, zeros.data(), q.data(), 256);
    std::vector<float> y(256, 1.0f);
    kernels::ref::dequantize_row(type, q.data(), y.data(), 256);
    for (float v : y) EXPECT_EQ(v, 0.0f) << dtype_name(type);
  }
}

TEST(KQuantizer, OtherTypesAreTheReferenceBytes) {
  const std::vector<float> x = gaussian(32 * 64, 5);
  for (DType type :
       {DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1}) {
    std::vector<uint8_t> a(row_bytes(type, 32 * 64)), b(a.size());
    quantize_row_best(type, x.data(), a.data(), 32 * 64);
    kernels::ref::quantize_row(type, x.data(), b.data(), 32 * 64);
    EXPECT_EQ(a, b) << dtype_name(type);
  }
}

TEST(KQuantizer, RefusesWhatNoCodeHolds) {
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> q(row_bytes(DType::Q6_K, 256));
  x[7] = NAN;
  EXPECT_THROW(quantize_row_best(DType::Q6_K, x.data(), q.data(), 256), Error);
  x[7] = 1e30f;
  EXPECT_THROW(quantize_row_best(DType::Q4_K, x.data(), q.data(), 256), Error);
  EXPECT_THROW(quantize_row_best(DType::Q4_K, x.data(), q.data(), 100), Error);
}

}  // namespace
}  // namespace yak::derive
