// The decoder's small operations against direct formulas in double precision.
#include "kernels/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace yak::kernels {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

TEST(Ops, RmsNormMatchesFormula) {
  for (int n : {1, 7, 64, 576, 1001}) {
    const auto x = random_vector(static_cast<size_t>(n), 1u + static_cast<uint32_t>(n), 3.0f);
    const auto w = random_vector(static_cast<size_t>(n), 2u, 1.0f);
    std::vector<float> y(static_cast<size_t>(n));
    rms_norm(x.data(), w.data(), y.data(), n, 1e-5f);
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double inv = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(y[static_cast<size_t>(i)],
                  x[static_cast<size_t>(i)] * inv * w[static_cast<size_t>(i)], 1e-5);
  }
}

void reference_rope(std::vector<double>& v, int64_t n_heads, int64_t head_dim, int32_t pos,
                    RopeStyle style, int32_t n_rot, double base) {
  for (int64_t h = 0; h < n_heads; ++h)
    for (int32_t i = 0; i < n_rot / 2; ++i) {
      const double theta = pos * std::pow(base, -2.0 * i / n_rot);
      const int64_t a = h * head_dim + (style == RopeStyle::kNeox ? i : 2 * i);
      const int64_t b = h * head_dim + (style == RopeStyle::kNeox ? i + n_rot / 2 : 2 * i + 1);
      const double x0 = v[static_cast<size_t>(a)], x1 = v[static_cast<size_t>(b)];
      v[static_cast<size_t>(a)] = x0 * std::cos(theta) - x1 * std::sin(theta);
      v[static_cast<size_t>(b)] = x0 * std::sin(theta) + x1 * std::cos(theta);
    }
}

TEST(Ops, RopeBothStylesAndPartialRotation) {
  for (RopeStyle style : {RopeStyle::kInterleaved, RopeStyle::kNeox})
    for (int32_t n_rot : {64, 32})
      for (int32_t pos : {0, 1, 17, 4095, 30000}) {
        const int64_t heads = 3, dim = 64;
        auto x = random_vector(static_cast<size_t>(heads * dim), 7u + static_cast<uint32_t>(pos));
        std::vector<double> expected(x.begin(), x.end());
        reference_rope(expected, heads, dim, pos, style, n_rot, 10000.0);
        RopeParams p{style, n_rot, 10000.0f, 1.0f, nullptr};
        rope(x.data(), heads, dim, pos, p);
        for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], expected[i], 2e-5) << i;
      }
}

TEST(Ops, RopeRotatesThePairsItShould) {
  // Position 1, base chosen so pair 0 turns by exactly 1 radian.
  std::vector<float> v = {1, 0, 0, 0};
  rope(v.data(), 1, 4, 1, {RopeStyle::kInterleaved, 4, 10000.0f, 1.0f, nullptr});
  EXPECT_NEAR(v[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(v[1], std::sin(1.0), 1e-6);
  std::vector<float> w = {1, 0, 0, 0};
  rope(w.data(), 1, 4, 1, {RopeStyle::kNeox, 4, 10000.0f, 1.0f, nullptr});
  EXPECT_NEAR(w[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(w[2], std::sin(1.0), 1e-6);
  EXPECT_EQ(w[1], 0.0f);
}

TEST(Ops, SoftmaxSumsToOneAndHandlesMinusInfinity) {
  std::vector<float> x = {1.0f, 2.0f, -INFINITY, 3.0f};
  softmax(x.data(), 4);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_NEAR(x[0] + x[1] + x[3], 1.0, 1e-6);
  EXPECT_NEAR(x[3] / x[1], std::exp(1.0), 1e-5);
  std::vector<float> all_masked = {-INFINITY, -INFINITY};
  softmax(all_masked.data(), 2);
  EXPECT_EQ(all_masked[0], 0.0f);
}

TEST(Ops, SiluMulAndDot) {
  const auto g = random_vector(37, 3), u = random_vector(37, 4);
  std::vector<float> out(37);
  silu_mul(g.data(), u.data(), out.data(), 37);
  for (size_t i = 0; i < 37; ++i) EXPECT_NEAR(out[i], g[i] / (1 + std::exp(-g[i])) * u[i], 1e-6);
  gelu_mul(g.data(), u.data(), out.data(), 37);
  for (size_t i = 0; i < 37; ++i) {
    const double x = g[i];
    const double gelu = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    EXPECT_NEAR(out[i], gelu * u[i], 1e-6);
  }
  double d = 0;
  for (size_t i = 0; i < 37; ++i) d += static_cast<double>(g[i]) * u[i];
  EXPECT_NEAR(dot_f32(g.data(), u.data(), 37), d, 1e-5);
}

}  // namespace
}  // namespace yak::kernels
