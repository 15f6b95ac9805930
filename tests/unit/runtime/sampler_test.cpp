#include "yak/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "runtime/sampling_filters.h"
#include "runtime/sampling_penalties.h"

namespace yak {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Plain temperature-1 sampling: every filter and penalty off.
SamplingParams plain(uint64_t seed = 1234) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

SamplingParams greedy() {
  SamplingParams p = plain();
  p.temperature = 0.0f;
  return p;
}

std::vector<double> softmax(const std::vector<float>& logits, double temperature = 1.0) {
  double max = -1e300;
  for (float l : logits) max = std::max(max, static_cast<double>(l));
  std::vector<double> p;
  double total = 0;
  for (float l : logits) total += p.emplace_back(std::exp((l - max) / temperature));
  for (double& x : p) x /= total;
  return p;
}

std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) ++counts.at(s.sample(logits));
  return counts;
}

// Pearson's chi-square statistic of observed counts against probabilities.
double chi_square(const std::vector<int>& counts, const std::vector<double>& p, int draws) {
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = p[i] * draws;
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  return chi2;
}

std::set<int32_t> support(Sampler& s, const std::vector<float>& logits, int draws = 3000) {
  std::set<int32_t> seen;
  for (int i = 0; i < draws; ++i) seen.insert(s.sample(logits));
  return seen;
}

TEST(Sampler, GreedyIsArgmax) {
  Sampler s(greedy(), 6);
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, -3.0f, 7.5f, 7.4f, 2.0f, 0.0f}), 2);
  EXPECT_EQ(s.sample(std::vector<float>{-5.0f, -4.0f, -6.0f, -9.0f, -4.5f, -7.0f}), 1);
}

TEST(Sampler, GreedyTiesGoToLowestId) {
  Sampler s(greedy(), 5);
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 3.0f, 2.0f, 3.0f, 3.0f}), 1);
}

TEST(Sampler, GreedyMatchesPlainScanOnLargeVocabularies) {
  // Sizes around the 8-way interleaved scan's remainders, ties placed in
  // different lanes, NaN and -inf entries, and +inf.
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> small(-3, 3);  // coarse values: many ties
  for (int32_t n : {7, 8, 9, 15, 16, 17, 1000, 151936}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> logits(static_cast<size_t>(n));
      for (float& v : logits) v = static_cast<float>(small(rng));
      std::uniform_int_distribution<int32_t> pos(0, n - 1);
      for (int k = 0; k < 3; ++k) logits[static_cast<size_t>(pos(rng))] = NAN;
      logits[static_cast<size_t>(pos(rng))] = -INFINITY;
      if (trial % 5 == 0) logits[static_cast<size_t>(pos(rng))] = INFINITY;
      int32_t want = -1;
      for (int32_t i = 0; i < n; ++i)
        if (!std::isnan(logits[static_cast<size_t>(i)]) &&
            (want < 0 || logits[static_cast<size_t>(i)] > logits[static_cast<size_t>(want)]))
          want = i;
      Sampler s(greedy(), n);
      ASSERT_EQ(s.sample(logits), want) << "n=" << n << " trial=" << trial;
    }
  }
}

TEST(Sampler, NegativeTemperatureIsGreedy) {
  SamplingParams p = plain();
  p.temperature = -1.0f;
  Sampler s(p, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(s.sample(std::vector<float>{1.0f, 1.2f, 1.1f}), 1);
}

TEST(Sampler, TopKOneIsGreedy) {
  SamplingParams p = plain(99);
  p.top_k = 1;
  p.temperature = 5.0f;
  Sampler s(p, 5);
  std::vector<float> logits{0.5f, 0.4f, 0.6f, 0.59f, -1.0f};
  for (int i = 0; i < 500; ++i) ASSERT_EQ(s.sample(logits), 2);
  // With equal logits the lowest id is the one kept.
  std::vector<float> flat(5, 1.0f);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(s.sample(flat), 0);
}

TEST(Sampler, MatchesSoftmaxDistribution) {
  const std::vector<float> logits{1.0f, 2.0f, 0.5f, -1.0f};
  constexpr int kDraws = 20000;
  Sampler s(plain(42), 4);
  const std::vector<int> counts = histogram(s, logits, kDraws);
  // 3 degrees of freedom: P(chi2 > 16.27) = 0.001 for a correct sampler.
  EXPECT_LT(chi_square(counts, softmax(logits), kDraws), 16.27);
  // A wrong distribution (temperature ignored as 2) must be rejected by the same test.
  EXPECT_GT(chi_square(counts, softmax(logits, 2.0), kDraws), 16.27);
}

TEST(Sampler, TemperatureScalesLogits) {
  const std::vector<float> logits{1.0f, 2.0f, 0.5f, -1.0f};
  constexpr int kDraws = 20000;
  for (double t : {0.5, 2.0}) {
    SamplingParams p = plain(7);
    p.temperature = static_cast<float>(t);
    Sampler s(p, 4);
    const std::vector<int> counts = histogram(s, logits, kDraws);
    EXPECT_LT(chi_square(counts, softmax(logits, t), kDraws), 16.27) << "t=" << t;
    EXPECT_GT(chi_square(counts, softmax(logits, 1.0), kDraws), 16.27) << "t=" << t;
  }
}

TEST(Sampler, TopKKeepsTheKBest) {
  SamplingParams p = plain(3);
  p.top_k = 3;
  p.temperature = 10.0f;  // flatten, so every kept token shows up
  Sampler s(p, 6);
  EXPECT_EQ(support(s, {0.0f, 5.0f, 1.0f, 4.0f, 3.0f, 2.0f}), (std::set<int32_t>{1, 3, 4}));
}

TEST(Sampler, TopKRenormalisesOverSurvivors) {
  const std::vector<float> logits{3.0f, 2.0f, 1.0f, 0.0f, -1.0f};
  SamplingParams p = plain(11);
  p.top_k = 2;
  Sampler s(p, 5);
  constexpr int kDraws = 20000;
  const std::vector<int> counts = histogram(s, logits, kDraws);
  EXPECT_EQ(counts[2] + counts[3] + counts[4], 0);
  // Two tokens, 1 degree of freedom: P(chi2 > 10.83) = 0.001.
  const std::vector<double> expected = softmax({3.0f, 2.0f});
  EXPECT_LT(chi_square({counts[0], counts[1]}, expected, kDraws), 10.83);
}

TEST(Sampler, TopPKeepsSmallestPrefixReachingP) {
  // Probabilities 0.5, 0.25, 0.125, 0.125 (logits are their logs).
  const std::vector<float> logits{std::log(0.125f), std::log(0.5f), std::log(0.125f),
                                  std::log(0.25f)};
  auto kept = [&](float top_p) {
    SamplingParams p = plain(5);
    p.top_p = top_p;
    Sampler s(p, 4);
    return support(s, logits);
  };
  EXPECT_EQ(kept(0.3f), (std::set<int32_t>{1}));
  EXPECT_EQ(kept(0.49f), (std::set<int32_t>{1}));
  EXPECT_EQ(kept(0.6f), (std::set<int32_t>{1, 3}));
  EXPECT_EQ(kept(0.8f), (std::set<int32_t>{0, 1, 3}));  // tie at 0.125: lower id first
  EXPECT_EQ(kept(0.0f), (std::set<int32_t>{1}));        // at least one token
  EXPECT_EQ(kept(0.99f), (std::set<int32_t>{0, 1, 2, 3}));
}

TEST(Sampler, TopPOverLargeVocabularyGrowsItsSortedPrefix) {
  // 5000 tokens with a long tail, so the kept prefix is longer than the first partial sort.
  constexpr int kVocab = 5000;
  std::vector<float> logits(kVocab);
  for (int i = 0; i < kVocab; ++i) logits[i] = -0.001f * static_cast<float>((i * 7919) % kVocab);
  const std::vector<double> probs = softmax(logits);
  std::vector<int> order(kVocab);
  for (int i = 0; i < kVocab; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
  double cumulative = 0;
  size_t expected_keep = 0;
  while (cumulative < 0.5) cumulative += probs[order[expected_keep++]];

  sampling::Candidates c;
  c.data.resize(kVocab);
  ASSERT_TRUE(sampling::gather(logits, c));
  sampling::top_p(c, 0.5f);
  EXPECT_EQ(c.size, expected_keep);
  ASSERT_TRUE(c.sorted);
  for (size_t i = 0; i < c.size; ++i) EXPECT_EQ(c.data[i].id, order[i]) << i;
}

TEST(Sampler, HeapTopKMatchesGatherThenTopK) {
  // Coarse values give many ties; NaN and infinities are sprinkled in.
  uint32_t x = 99;
  for (int trial = 0; trial < 200; ++trial) {
    const int vocab = 1 + trial * 7 % 300;
    std::vector<float> logits(vocab);
    for (float& l : logits) {
      x = x * 1103515245u + 12345u;
      const uint32_t r = (x >> 16) % 40;
      l = r == 0 ? kNaN : r == 1 ? -kInf : (r == 2 && trial % 3 == 0) ? kInf : r * 0.5f;
    }
    for (int32_t k : {1, 2, 5, 40, 299}) {
      sampling::Candidates a, b;
      a.data.resize(vocab);
      b.data.resize(vocab);
      const bool ok_a = sampling::gather(logits, a);
      sampling::top_k(a, k);
      const bool ok_b = sampling::gather_top_k(logits, k, b);
      ASSERT_EQ(ok_a, ok_b);
      if (!ok_a) continue;
      std::vector<std::pair<int32_t, float>> got_a, got_b;
      for (const auto& c : a.live()) got_a.emplace_back(c.id, c.logit);
      for (const auto& c : b.live()) got_b.emplace_back(c.id, c.logit);
      if (!a.sorted) std::sort(got_a.begin(), got_a.end());  // k >= size: not sorted
      if (!a.sorted) std::sort(got_b.begin(), got_b.end());
      ASSERT_EQ(got_a, got_b) << "trial " << trial << " k " << k;
    }
  }
}

TEST(Sampler, MinPKeepsTokensNearTheTop) {
  // Probabilities proportional to 8, 4, 2, 1.
  const std::vector<float> logits{std::log(2.0f), std::log(8.0f), std::log(1.0f), std::log(4.0f)};
  auto kept = [&](float min_p, int32_t top_k) {
    SamplingParams p = plain(6);
    p.min_p = min_p;
    p.top_k = top_k;  // 4 sorts the list first, 0 takes the unsorted path
    Sampler s(p, 4);
    return support(s, logits);
  };
  for (int32_t top_k : {0, 4}) {
    EXPECT_EQ(kept(0.3f, top_k), (std::set<int32_t>{1, 3})) << top_k;
    EXPECT_EQ(kept(0.2f, top_k), (std::set<int32_t>{0, 1, 3})) << top_k;
    EXPECT_EQ(kept(0.1f, top_k), (std::set<int32_t>{0, 1, 2, 3})) << top_k;
    EXPECT_EQ(kept(0.9f, top_k), (std::set<int32_t>{1})) << top_k;
    EXPECT_EQ(kept(1.0f, top_k), (std::set<int32_t>{1})) << top_k;
  }
}

TEST(Sampler, FiltersRunInLlamaCppOrder) {
  // top_k first (keeps 0..2), then top_p over the renormalised survivors.
  // Survivor probabilities: 0.5, 0.3, 0.2 (before top_k they are smaller).
  const std::vector<float> logits{std::log(0.5f), std::log(0.3f), std::log(0.2f), std::log(0.1f)};
  SamplingParams p = plain(8);
  p.top_k = 3;
  p.top_p = 0.75f;  // over the renormalised three: 0.5 + 0.3 >= 0.75 keeps two
  Sampler s(p, 4);
  EXPECT_EQ(support(s, logits), (std::set<int32_t>{0, 1}));
  // Temperature comes after top_p: a high temperature does not widen the nucleus.
  p.temperature = 50.0f;
  Sampler hot(p, 4);
  EXPECT_EQ(support(hot, logits), (std::set<int32_t>{0, 1}));
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::vector<float> logits(50);
  for (int i = 0; i < 50; ++i) logits[i] = std::sin(static_cast<float>(i)) * 2.0f;
  auto tokens = [&](uint64_t seed) {
    SamplingParams p;  // the defaults: top_k 40, top_p 0.95, min_p 0.05, t 0.8
    p.seed = seed;
    Sampler s(p, 50);
    std::vector<int32_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(s.sample(logits));
    return out;
  };
  EXPECT_EQ(tokens(1), tokens(1));
  EXPECT_EQ(tokens(0), tokens(0));
  EXPECT_NE(tokens(1), tokens(2));
}

TEST(Sampler, ResetReplaysAFixedSeedAndRedrawsARandomOne) {
  std::vector<float> logits(20, 0.0f);
  Sampler s(plain(77), 20);
  EXPECT_EQ(s.seed(), 77u);
  std::vector<int32_t> first, second;
  for (int i = 0; i < 100; ++i) first.push_back(s.sample(logits));
  s.reset();
  for (int i = 0; i < 100; ++i) second.push_back(s.sample(logits));
  EXPECT_EQ(first, second);

  Sampler r(plain(kRandomSeed), 20);
  const uint64_t seed = r.seed();
  r.reset();
  // Two independent 64-bit random seeds collide with negligible probability.
  EXPECT_NE(r.seed(), seed);
  EXPECT_EQ(r.params().seed, kRandomSeed);
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegative) {
  SamplingParams p = greedy();
  p.repeat_penalty = 1.5f;
  Sampler s(p, 3);
  s.accept(0);
  // 3.0 / 1.5 = 2.0 < 2.5: token 2 wins.
  EXPECT_EQ(s.sample(std::vector<float>{3.0f, -9.0f, 2.5f}), 2);
  // 1.8 / 1.5 = 1.2 > 1.1: token 0 still wins.
  EXPECT_EQ(s.sample(std::vector<float>{1.8f, -9.0f, 1.1f}), 0);
  // Negative: -1.0 * 1.5 = -1.5 < -1.2.
  EXPECT_EQ(s.sample(std::vector<float>{-1.0f, -9.0f, -1.2f}), 2);
  // Repeating a token does not compound the repeat penalty.
  s.accept(0);
  s.accept(0);
  EXPECT_EQ(s.sample(std::vector<float>{1.8f, -9.0f, 1.1f}), 0);
}

TEST(Sampler, RepeatPenaltyOnlyLooksAtTheWindow) {
  SamplingParams p = greedy();
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 2;
  Sampler s(p, 4);
  const std::vector<float> logits{3.0f, 2.0f, -9.0f, -9.0f};
  s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);  // 3/2 < 2
  s.accept(2);
  EXPECT_EQ(s.sample(logits), 1);
  s.accept(3);  // token 0 leaves the window
  EXPECT_EQ(s.sample(logits), 0);
  s.reset();
  EXPECT_EQ(s.sample(logits), 0);
}

TEST(Sampler, PenaltiesOffWhenWindowIsZero) {
  SamplingParams p = greedy();
  p.repeat_penalty = 10.0f;
  p.frequency_penalty = 5.0f;
  p.repeat_last_n = 0;
  Sampler s(p, 2);
  s.accept(0);
  EXPECT_EQ(s.sample(std::vector<float>{3.0f, 2.0f}), 0);
}

TEST(Sampler, UnboundedWindowRemembersEverything) {
  SamplingParams p = greedy();
  p.presence_penalty = 1.0f;
  p.repeat_last_n = -1;
  Sampler s(p, 3);
  s.accept(0);
  for (int i = 0; i < 1000; ++i) s.accept(2);
  EXPECT_EQ(s.sample(std::vector<float>{3.0f, 2.5f, -5.0f}), 1);  // 3 - 1 < 2.5
}

TEST(SamplingPenalties, FrequencyAndPresenceFollowOpenAI) {
  sampling::PenaltyParams params;
  params.frequency = 0.5f;
  params.presence = 0.25f;
  params.window = 8;
  sampling::PenaltyWindow w(params, 5);
  for (int32_t t : {1, 3, 1, 1}) w.accept(t);
  EXPECT_EQ(w.count(1), 3);
  EXPECT_EQ(w.count(3), 1);
  EXPECT_EQ(w.count(0), 0);
  std::vector<float> logits{1.0f, 1.0f, 1.0f, -1.0f, 0.0f};
  w.apply(logits.data());
  EXPECT_FLOAT_EQ(logits[0], 1.0f);
  EXPECT_FLOAT_EQ(logits[1], 1.0f - 3 * 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(logits[2], 1.0f);
  EXPECT_FLOAT_EQ(logits[3], -1.0f - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(logits[4], 0.0f);
}

TEST(SamplingPenalties, AllThreeCombineInLlamaCppOrder) {
  // Repeat penalty first, then frequency and presence on the result.
  sampling::PenaltyParams params{2.0f, 0.5f, 0.25f, 3};
  sampling::PenaltyWindow w(params, 3);
  for (int32_t t : {0, 0, 1, 0, 2}) w.accept(t);  // window keeps 1, 0, 2
  EXPECT_EQ(w.count(0), 1);
  EXPECT_EQ(w.count(1), 1);
  EXPECT_EQ(w.count(2), 1);
  std::vector<float> logits{4.0f, -4.0f, 0.0f};
  w.apply(logits.data());
  EXPECT_FLOAT_EQ(logits[0], 4.0f / 2 - 0.75f);
  EXPECT_FLOAT_EQ(logits[1], -4.0f * 2 - 0.75f);
  EXPECT_FLOAT_EQ(logits[2], 0.0f - 0.75f);
  w.clear();
  EXPECT_EQ(w.count(0), 0);
  std::vector<float> untouched{4.0f, -4.0f, 0.0f};
  w.apply(untouched.data());
  EXPECT_EQ(untouched, (std::vector<float>{4.0f, -4.0f, 0.0f}));
}

TEST(SamplingPenalties, SlidingWindowCountsMatchABruteForceRecount) {
  sampling::PenaltyParams params{1.1f, 0.1f, 0.0f, 16};
  sampling::PenaltyWindow w(params, 10);
  std::vector<int32_t> history;
  uint32_t x = 12345;
  for (int step = 0; step < 500; ++step) {
    x = x * 1103515245u + 12345u;
    const int32_t token = static_cast<int32_t>((x >> 16) % 10);
    w.accept(token);
    history.push_back(token);
    for (int32_t t = 0; t < 10; ++t) {
      int32_t expected = 0;
      for (size_t i = history.size() > 16 ? history.size() - 16 : 0; i < history.size(); ++i)
        expected += history[i] == t;
      ASSERT_EQ(w.count(t), expected) << "step " << step << " token " << t;
    }
  }
}

TEST(Sampler, NegativeInfinityIsNeverChosen) {
  std::vector<float> logits{-kInf, 0.0f, -kInf, -50.0f, -kInf};
  SamplingParams p = plain(3);
  p.temperature = 1000.0f;
  Sampler s(p, 5);
  EXPECT_EQ(support(s, logits), (std::set<int32_t>{1, 3}));
}

TEST(Sampler, NaNIsNeverChosen) {
  std::vector<float> logits{kNaN, 1.0f, kNaN, 1.0f};
  SamplingParams p = plain(4);
  Sampler s(p, 4);
  EXPECT_EQ(support(s, logits), (std::set<int32_t>{1, 3}));
  Sampler g(greedy(), 4);
  EXPECT_EQ(g.sample(std::vector<float>{kNaN, 1.0f, kNaN, 2.0f}), 3);
  EXPECT_EQ(g.sample(std::vector<float>{kNaN, -kInf, 0.5f, kNaN}), 2);
}

TEST(Sampler, PositiveInfinityTakesAllTheMass) {
  std::vector<float> logits{1.0f, kInf, 3.0f, kInf};
  for (int32_t top_k : {0, 2, 3}) {
    SamplingParams p = plain(5);
    p.top_k = top_k;
    p.top_p = 0.9f;
    p.min_p = 0.05f;
    Sampler s(p, 4);
    EXPECT_EQ(support(s, logits), (std::set<int32_t>{1, 3})) << top_k;
  }
  Sampler g(greedy(), 4);
  EXPECT_EQ(g.sample(logits), 1);
}

TEST(Sampler, AllLogitsUnusableIsAnError) {
  const std::vector<float> logits{-kInf, kNaN, -kInf};
  Sampler s(plain(), 3);
  EXPECT_THROW(s.sample(logits), Error);
  Sampler g(greedy(), 3);
  EXPECT_THROW(g.sample(logits), Error);
}

TEST(Sampler, ExtremeTemperaturesStayFinite) {
  const std::vector<float> logits{1.0f, 2.0f, 1.5f};
  SamplingParams p = plain(9);
  p.temperature = 1e-30f;
  Sampler cold(p, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(cold.sample(logits), 1);
  p.temperature = 1e30f;
  Sampler hot(p, 3);
  EXPECT_EQ(support(hot, logits), (std::set<int32_t>{0, 1, 2}));
}

TEST(Sampler, RejectsBadInput) {
  EXPECT_THROW(Sampler(plain(), 0), Error);
  SamplingParams p = plain();
  p.repeat_penalty = 0.0f;
  EXPECT_THROW(Sampler(p, 4), Error);
  p = plain();
  p.repeat_last_n = -2;
  EXPECT_THROW(Sampler(p, 4), Error);
  p = plain();
  p.temperature = kNaN;
  EXPECT_THROW(Sampler(p, 4), Error);
  p = plain();
  p.frequency_penalty = kInf;
  EXPECT_THROW(Sampler(p, 4), Error);

  Sampler s(plain(), 4);
  EXPECT_THROW(s.sample(std::vector<float>{1.0f, 2.0f}), Error);
  EXPECT_THROW(s.accept(4), Error);
  EXPECT_THROW(s.accept(-1), Error);
}

TEST(Sampler, MovedSamplerKeepsItsState) {
  Sampler a(plain(21), 10);
  std::vector<float> logits(10, 0.0f);
  Sampler reference(plain(21), 10);
  EXPECT_EQ(a.sample(logits), reference.sample(logits));
  Sampler b(std::move(a));
  EXPECT_EQ(b.sample(logits), reference.sample(logits));
  EXPECT_EQ(b.seed(), 21u);
}

TEST(Sampler, LargeVocabularyWithDefaults) {
  // 128k tokens, the defaults, and a peaked distribution: exercises the
  // partial-sort paths at the size they are meant for.
  constexpr int kVocab = 128 * 1024;
  std::vector<float> logits(kVocab);
  uint32_t x = 1;
  for (float& l : logits) {
    x = x * 1664525u + 1013904223u;
    l = static_cast<float>(x >> 8) / static_cast<float>(1 << 24) * 4.0f;
  }
  logits[777] = 30.0f;
  logits[4242] = 29.5f;
  SamplingParams p;
  p.seed = 3;
  Sampler s(p, kVocab);
  EXPECT_EQ(support(s, logits, 500), (std::set<int32_t>{777, 4242}));
}

}  // namespace
}  // namespace yak
