// The IQ4_NL / IQ4_XS search of `yak quantize` against the simple reference quantizers, with
// every result decoded by the reference dequantizer: an RMS error no larger than the
// reference's and in the types' usual range, below Q4_0's at the same bits, weights that move
// the error, zeros, and refusals.
#include "derive/iq4_quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "derive/k_quantizer.h"
#include "format/gguf_file.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "unit/test_paths.h"
#include "yak/error.h"

namespace yak::derive {
namespace {

constexpr DType kTypes[] = {DType::IQ4_NL, DType::IQ4_XS};

std::vector<float> decode(DType type, const std::vector<uint8_t>& q, size_t n) {
  std::vector<float> y(n);
  kernels::ref::dequantize_row(type, q.data(), y.data(), static_cast<int64_t>(n));
  return y;
}

// sum w (decoded - x)^2 over sum w x^2, square-rooted; w null means all 1.
double relative_rms(DType type, const std::vector<float>& x, bool best,
                    const std::vector<float>* w = nullptr) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(type, n));
  if (best)
    quantize_row_best(type, x.data(), q.data(), n, w != nullptr ? w->data() : nullptr);
  else
    kernels::ref::quantize_row(type, x.data(), q.data(), n);
  const std::vector<float> y = decode(type, q, x.size());
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double wi = w != nullptr ? (*w)[i] : 1.0;
    err += wi * (double{y[i]} - x[i]) * (double{y[i]} - x[i]);
    ref += wi * double{x[i]} * x[i];
  }
  return std::sqrt(err / ref);
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  for (size_t i = 0; i < n; i += 997) x[i] *= 8.0f;  // outliers, as real matrices have
  return x;
}

// ffn_down of the default model's first layer (rows of 1536 = 6 super-blocks).
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

void expect_better(const std::vector<float>& x, double nl_bound, double xs_bound) {
  for (DType type : kTypes) {
    const double best = relative_rms(type, x, true);
    const double simple = relative_rms(type, x, false);
    EXPECT_LE(best, simple) << dtype_name(type);
    EXPECT_LT(best, type == DType::IQ4_NL ? nl_bound : xs_bound) << dtype_name(type);
    std::printf("  %s: relative RMS %.4f (reference quantizer %.4f)\n", dtype_name(type).data(),
                best, simple);
  }
}

TEST(IQ4Quantizer, GaussianWeightsError) { expect_better(gaussian(256 * 64, 1), 0.095, 0.10); }

TEST(IQ4Quantizer, RealWeightsError) {
  if (!std::filesystem::exists(test::default_model_path()))
    GTEST_SKIP() << "model missing: " << test::default_model_path();
  expect_better(real_weights(), 0.095, 0.10);
}

// The non-linear levels are what the type is for: on bell-shaped data, at the same 4.5 bits
// per weight, IQ4_NL's error is below Q4_0's (whose quantize_row_best is ggml's reference).
TEST(IQ4Quantizer, BeatsQ4_0OnGaussianData) {
  const std::vector<float> x = gaussian(256 * 64, 2);
  EXPECT_LT(relative_rms(DType::IQ4_NL, x, true), 0.9 * relative_rms(DType::Q4_0, x, true));
}

TEST(IQ4Quantizer, WeightsShiftTheErrorToWhereTheyAreLarge) {
  const std::vector<float> x = gaussian(256 * 8, 3);
  std::vector<float> w(x.size(), 1.0f);
  for (size_t i = 0; i < w.size(); i += 4) w[i] = 100.0f;
  for (DType type : kTypes) {
    const auto n = static_cast<int64_t>(x.size());
    auto weighted_error = [&](const float* weights) {
      std::vector<uint8_t> q(row_bytes(type, n));
      quantize_row_best(type, x.data(), q.data(), n, weights);
      const std::vector<float> y = decode(type, q, x.size());
      double e = 0;
      for (size_t i = 0; i < x.size(); ++i) e += w[i] * (y[i] - x[i]) * (y[i] - x[i]);
      return e;
    };
    EXPECT_LT(weighted_error(w.data()), 0.9 * weighted_error(nullptr)) << dtype_name(type);
  }
}

// Sub-blocks of different magnitudes in one IQ4_XS super-block: each keeps a scale of its
// own (one 10 times smaller than its neighbours gets a 6-bit scale of about 3, not 0). The
// largest gives the super-block scale, so one 32 times smaller or less would flush to zero.
TEST(IQ4Quantizer, XsSubBlocksKeepTheirScales) {
  std::vector<float> x = gaussian(256, 4);
  for (size_t i = 32; i < 64; ++i) x[i] *= 0.1f;
  std::vector<uint8_t> q(row_bytes(DType::IQ4_XS, 256));
  quantize_row_best(DType::IQ4_XS, x.data(), q.data(), 256);
  const std::vector<float> y = decode(DType::IQ4_XS, q, 256);
  double err = 0, ref = 0;
  for (size_t i = 32; i < 64; ++i) {
    err += (double{y[i]} - x[i]) * (double{y[i]} - x[i]);
    ref += double{x[i]} * x[i];
  }
  EXPECT_LT(std::sqrt(err / ref), 0.25);
}

TEST(IQ4Quantizer, ZerosAndConstants) {
  for (DType type : kTypes) {
    EXPECT_LT(relative_rms(type, std::vector<float>(256, 0.5f), true), 0.01) << dtype_name(type);
    EXPECT_LT(relative_rms(type, std::vector<float>(256, -0.25f), true), 0.01) << dtype_name(type);
    std::vector<float> zeros(256, 0.0f);
    std::vector<uint8_t> q(row_bytes(type, 256));
    quantize_row_best(type, zeros.data(), q.data(), 256);
    for (float v : decode(type, q, 256)) EXPECT_EQ(v, 0.0f) << dtype_name(type);
  }
}

TEST(IQ4Quantizer, RefusesWhatNoCodeHolds) {
  for (DType type : kTypes) {
    std::vector<float> x(256, 1.0f);
    std::vector<uint8_t> q(row_bytes(type, 256));
    x[7] = NAN;
    EXPECT_THROW(quantize_row_best(type, x.data(), q.data(), 256), Error) << dtype_name(type);
    x[7] = 1e30f;
    EXPECT_THROW(quantize_row_best(type, x.data(), q.data(), 256), Error) << dtype_name(type);
  }
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> q(row_bytes(DType::IQ4_XS, 256));
  EXPECT_THROW(quantize_row_best(DType::IQ4_XS, x.data(), q.data(), 96), Error);
  EXPECT_THROW(quantize_row_best(DType::IQ4_NL, x.data(), q.data(), 48), Error);
}

}  // namespace
}  // namespace yak::derive
