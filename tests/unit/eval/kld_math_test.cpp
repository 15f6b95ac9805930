// KL divergence of single positions on synthetic distributions.
#include "eval/kld_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "eval/log_softmax.h"

namespace yak::eval {
namespace {

std::vector<float> logits_of(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(float(std::log(p)));
  return l;
}

// What compute_base_logprobs keeps of a row.
struct Kept {
  std::vector<int32_t> ids;
  std::vector<float> lps;
  float rest;
  BasePosition view() const { return {ids, lps, rest}; }
};

Kept keep_top(std::span<const float> logits, int32_t k) {
  Kept kept;
  std::vector<int32_t> scratch;
  top_k_ids(logits, k, scratch, kept.ids);
  const RowNormalizer row(logits);
  double rest = row.sum_exp;
  for (int32_t id : kept.ids) {
    kept.lps.push_back(float(row.log_prob(logits[id])));
    rest -= row.scaled_exp(logits[id]);
  }
  kept.rest = kept.ids.size() == logits.size() ? -std::numeric_limits<float>::infinity()
                                               : float(std::log(rest) - row.log_sum_exp);
  return kept;
}

TEST(EvalKld, IdenticalDistributionsHaveNoDivergence) {
  const std::vector<float> l = {1.0f, -2.0f, 0.5f, 3.0f, 3.0f};
  EXPECT_NEAR(kld_full(l, l), 0, 1e-12);
  std::vector<uint8_t> in_top(l.size(), 0);
  const Kept kept = keep_top(l, 2);
  EXPECT_NEAR(kld_top_k(kept.view(), l, RowNormalizer(l), in_top), 0, 1e-7);
  for (uint8_t b : in_top) EXPECT_EQ(b, 0);  // scratch left clean
}

TEST(EvalKld, KnownPair) {
  // KL((0.5, 0.5) || (0.9, 0.1)) = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1).
  const double want = 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1);
  const auto p = logits_of({0.5, 0.5}), q = logits_of({0.9, 0.1});
  EXPECT_NEAR(kld_full(p, q), want, 1e-7);
  std::vector<uint8_t> in_top(2, 0);
  EXPECT_NEAR(kld_top_k(keep_top(p, 2).view(), q, RowNormalizer(q), in_top), want, 1e-7);
  // Logits shifted by a constant are the same distribution.
  std::vector<float> shifted = q;
  for (float& x : shifted) x += 40;
  EXPECT_NEAR(kld_full(p, shifted), want, 1e-6);
}

TEST(EvalKld, TopKIsTheDivergenceOfTheCoarsenedDistributions) {
  // p = (0.6, 0.2, 0.1, 0.1), q = (0.4, 0.3, 0.2, 0.1); top 2 of p + rest:
  // (0.6, 0.2, 0.2) against (0.4, 0.3, 0.3).
  const auto p = logits_of({0.6, 0.2, 0.1, 0.1}), q = logits_of({0.4, 0.3, 0.2, 0.1});
  const double want =
      0.6 * std::log(0.6 / 0.4) + 0.2 * std::log(0.2 / 0.3) + 0.2 * std::log(0.2 / 0.3);
  std::vector<uint8_t> in_top(4, 0);
  const Kept kept = keep_top(p, 2);
  EXPECT_EQ(kept.ids, (std::vector<int32_t>{0, 1}));
  EXPECT_NEAR(kld_top_k(kept.view(), q, RowNormalizer(q), in_top), want, 1e-6);
  // Coarsening never raises the divergence (data processing inequality).
  EXPECT_LE(want, kld_full(p, q) + 1e-9);
}

TEST(EvalKld, TopKApproachesTheFullDivergenceOnPeakedDistributions) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 1);
  const int n = 5000;
  std::vector<float> p(n), q(n);
  for (int i = 0; i < n; ++i) {
    p[i] = -0.01f * i + 2 * noise(rng);  // a long tail, like a language model's
    q[i] = p[i] + 0.3f * noise(rng);
  }
  const double full = kld_full(p, q);
  std::vector<uint8_t> in_top(n, 0);
  const RowNormalizer nq(q);
  double previous = 0;
  for (int32_t k : {1, 16, 256, 2048, n}) {
    const double approx = kld_top_k(keep_top(p, k).view(), q, nq, in_top);
    EXPECT_LE(approx, full + 1e-6) << "k " << k;
    EXPECT_GE(approx, previous - 1e-6) << "k " << k;  // more tokens kept, closer from below
    previous = approx;
  }
  EXPECT_NEAR(previous, full, 1e-5 * full);  // all tokens kept: the full divergence
}

TEST(EvalKld, TopIdsMostLikelyFirstTiesByLowerId) {
  const std::vector<float> l = {0.0f, 5.0f, 5.0f, -1.0f, 7.0f};
  std::vector<int32_t> scratch, out;
  top_k_ids(l, 3, scratch, out);
  EXPECT_EQ(out, (std::vector<int32_t>{4, 1, 2}));
  top_k_ids(l, 10, scratch, out);
  EXPECT_EQ(out.size(), 5u);
  const RowNormalizer row(l);
  EXPECT_EQ(row.argmax, 4);
  EXPECT_NEAR(row.log_prob(7.0f),
              7.0 - std::log(std::exp(0.0) + 2 * std::exp(5.0) + std::exp(-1.0) + std::exp(7.0)),
              1e-6);
}

}  // namespace
}  // namespace yak::eval
