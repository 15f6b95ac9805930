// token_logprobs against a plain log-softmax, and logit_bias in the sampler chain.
#include "yak/logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/generate.h"
#include "yak/sampler.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<double> plain_log_softmax(const std::vector<float>& logits) {
  double max = -INFINITY;
  for (float l : logits) max = std::max(max, static_cast<double>(l));
  double sum = 0;
  for (float l : logits) sum += std::exp(l - max);
  std::vector<double> out;
  for (float l : logits) out.push_back(l - max - std::log(sum));
  return out;
}

TEST(Logprobs, MatchesAPlainLogSoftmax) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (int n : {1, 2, 17, 49152}) {
    std::vector<float> logits(n);
    for (float& l : logits) l = normal(rng);
    const std::vector<double> want = plain_log_softmax(logits);
    for (int32_t chosen : {0, n / 2, n - 1}) {
      const Logprobs got = token_logprobs(logits, chosen, 5);
      EXPECT_EQ(got.chosen.token, chosen);
      EXPECT_NEAR(got.chosen.logprob, want[chosen], 1e-4) << n;
      ASSERT_EQ(got.top.size(), static_cast<size_t>(std::min(n, 5)));
      for (size_t i = 0; i < got.top.size(); ++i) {
        EXPECT_NEAR(got.top[i].logprob, want[got.top[i].token], 1e-4);
        if (i > 0) EXPECT_GE(got.top[i - 1].logprob, got.top[i].logprob);
      }
      // Nothing outside the top list is more likely than its last entry.
      int better = 0;
      for (double w : want) better += w > got.top.back().logprob + 1e-6;
      EXPECT_LT(better, static_cast<int>(got.top.size()));
    }
  }
}

TEST(Logprobs, TiesRankLowerIdsFirst) {
  const std::vector<float> logits = {1, 3, 3, 0, 3};
  const Logprobs got = token_logprobs(logits, 0, 4);
  ASSERT_EQ(got.top.size(), 4u);
  EXPECT_EQ(got.top[0].token, 1);
  EXPECT_EQ(got.top[1].token, 2);
  EXPECT_EQ(got.top[2].token, 4);
  EXPECT_EQ(got.top[3].token, 0);
  EXPECT_TRUE(token_logprobs(logits, 0, 0).top.empty());
  EXPECT_EQ(token_logprobs(logits, 0, 100).top.size(), 5u);
}

TEST(Logprobs, InfinitiesAndNaN) {
  const std::vector<float> logits = {0, -kInf, std::nanf(""), 0};
  const Logprobs got = token_logprobs(logits, 1, 4);
  EXPECT_EQ(got.chosen.logprob, -kInf);
  EXPECT_NEAR(token_logprobs(logits, 0, 0).chosen.logprob, std::log(0.5), 1e-6);
  EXPECT_EQ(token_logprobs(logits, 2, 0).chosen.logprob, -kInf);  // NaN counts as -inf
  const std::vector<float> forced = {0, kInf, 5, kInf};
  EXPECT_NEAR(token_logprobs(forced, 1, 0).chosen.logprob, std::log(0.5), 1e-6);
  EXPECT_EQ(token_logprobs(forced, 2, 0).chosen.logprob, -kInf);
}

TEST(Logprobs, BadArgumentsAreErrors) {
  const std::vector<float> logits = {0, 1};
  EXPECT_THROW(token_logprobs(logits, 2, 1), Error);
  EXPECT_THROW(token_logprobs(logits, -1, 1), Error);
  EXPECT_THROW(token_logprobs(logits, 0, -1), Error);
  const std::vector<float> none = {-kInf, std::nanf("")};
  EXPECT_THROW(token_logprobs(none, 0, 1), Error);
}

TEST(LogitBias, ForcesAndBansTokens) {
  const std::vector<float> logits = {0.5f, 3.0f, 1.0f, 2.0f};
  SamplingParams greedy;
  greedy.temperature = 0;
  EXPECT_EQ(Sampler(greedy, 4).sample(logits), 1);
  greedy.logit_bias = {{0, 100.0f}};
  EXPECT_EQ(Sampler(greedy, 4).sample(logits), 0);
  greedy.logit_bias = {{1, -kInf}};
  EXPECT_EQ(Sampler(greedy, 4).sample(logits), 3);
  greedy.logit_bias = {{1, -1.0f}, {1, -1.5f}};  // both apply: 3 - 2.5 < 2
  EXPECT_EQ(Sampler(greedy, 4).sample(logits), 3);

  SamplingParams random;  // at temperature 0.8 a banned token never comes up
  random.seed = 3;
  random.top_k = 0;
  random.top_p = 1;
  random.min_p = 0;
  random.logit_bias = {{1, -kInf}, {3, -kInf}};
  Sampler sampler(random, 4);
  for (int i = 0; i < 200; ++i) {
    const int32_t t = sampler.sample(logits);
    EXPECT_TRUE(t == 0 || t == 2) << t;
  }
}

TEST(LogitBias, BadBiasesAreRejected) {
  SamplingParams p;
  p.logit_bias = {{4, 1.0f}};
  EXPECT_THROW(Sampler(p, 4), Error);
  p.logit_bias = {{-1, 1.0f}};
  EXPECT_THROW(Sampler(p, 4), Error);
  p.logit_bias = {{0, kInf}};
  EXPECT_THROW(Sampler(p, 4), Error);
  p.logit_bias = {{0, std::nanf("")}};
  EXPECT_THROW(Sampler(p, 4), Error);
}

TEST(Logprobs, GenerateReportsThemPerToken) {
  const auto model = Model::load(test::default_model_path());
  const std::vector<int32_t> prompt = model->tokenizer().encode("The capital of France is");
  GenerateOptions options;
  options.sampling.temperature = 0;
  options.max_new_tokens = 6;
  options.top_logprobs = 3;
  Context ctx(model, {.n_threads = 2, .context_size = 64});
  const GenerateResult r = generate(ctx, ctx.add_sequence(), prompt, options);
  ASSERT_EQ(r.logprobs.size(), r.tokens.size());
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    const Logprobs& l = r.logprobs[i];
    EXPECT_EQ(l.chosen.token, r.tokens[i]);
    ASSERT_EQ(l.top.size(), 3u);
    // Greedy with no penalty picks the model's most likely token.
    EXPECT_EQ(l.top[0].token, r.tokens[i]);
    EXPECT_FLOAT_EQ(l.top[0].logprob, l.chosen.logprob);
    EXPECT_LE(l.chosen.logprob, 0.0f);
    EXPECT_GT(l.chosen.logprob, -20.0f);
  }
  options.top_logprobs = -1;
  Context plain(model, {.n_threads = 2, .context_size = 64});
  EXPECT_TRUE(generate(plain, plain.add_sequence(), prompt, options).logprobs.empty());
}

}  // namespace
}  // namespace yak
