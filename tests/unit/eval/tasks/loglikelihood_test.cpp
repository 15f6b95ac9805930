// The fork path scores as the plain path does, and requests split as lm-eval splits them.
#include "eval/tasks/loglikelihood.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "eval/tasks/task_data.h"
#include "unit/test_models.h"
#include "unit/test_paths.h"
#include "yak/error.h"
#include "yak/tokenizer.h"

namespace yak::eval {
namespace {

std::vector<EncodedItem> some_items(const Model& model) {
  const Tokenizer& tok = model.tokenizer();
  return {
      encode_item(tok, "Question: What is the color of the sky?\nAnswer:",
                  {"blue", "green", "a deep shade of red at noon"}, 2048),
      encode_item(tok, "The capital of France is ", {"Paris.", "Berlin, of course."}, 2048),
      encode_item(tok, "Q: 2+2?\nA:", {"A", "B", "C", "D"}, 2048),  // one-token choices
      encode_item(tok, "以下是关于农学的单项选择题\n答案：", {"A", "B"}, 2048),
  };
}

TEST(EvalTasksLoglikelihood, LogSoftmaxMatchesDoublePrecision) {
  std::vector<float> logits(49157);
  for (size_t i = 0; i < logits.size(); ++i)
    logits[i] = static_cast<float>(std::sin(static_cast<double>(i) * 0.37) * 9.0 - 3.0);
  logits[40000] = 12.5f;
  logits[40001] = 12.5f;  // a tie: the first index wins
  logits[7] = -200.0f;    // far below the rest
  double max = -1e30, sum = 0;
  for (float v : logits) max = std::max(max, static_cast<double>(v));
  for (float v : logits) sum += std::exp(static_cast<double>(v) - max);
  const LogSoftmax ls = log_softmax(logits);
  EXPECT_NEAR(ls.log_norm, max + std::log(sum), 1e-5);
  EXPECT_EQ(ls.argmax, 40000);
  const double fifth = std::exp(static_cast<double>(logits[5]) - max);
  logits[5] = std::nanf("");  // counts as -inf
  EXPECT_NEAR(log_softmax(logits).log_norm, max + std::log(sum - fifth), 1e-5);
  const std::vector<float> nan_logits(100, std::nanf(""));
  EXPECT_THROW(log_softmax(nan_logits), Error);
}

TEST(EvalTasksLoglikelihood, EncodePairMovesTrailingSpacesToTheContinuation) {
  const auto model = test::shared_default_model();
  const Tokenizer& tok = model->tokenizer();
  const EncodedItem item = encode_item(tok, "The capital of France is ", {"Paris"}, 2048);
  EXPECT_EQ(item.context, tok.encode("The capital of France is", false));
  const auto whole = tok.encode("The capital of France is  Paris", false);
  ASSERT_GT(whole.size(), item.context.size());
  EXPECT_EQ(item.continuations[0],
            std::vector<int32_t>(whole.begin() + item.context.size(), whole.end()));
}

TEST(EvalTasksLoglikelihood, ForkedEqualsSeparateAndGroupingDoesNotMatter) {
  const auto model = test::shared_default_model();
  const auto items = some_items(*model);
  auto threads = std::make_shared<Threads>(2);
  auto run = [&](bool share, int32_t parallel) {
    ScorerOptions options;
    options.share_context = share;
    options.parallel_items = parallel;
    Context ctx(model, scorer_context_options(items, options, 2048, threads));
    return score_items(ctx, items, options);
  };
  const auto reference = run(false, 1);
  const auto forked = run(true, 4);
  const auto forked_one = run(true, 1);
  ASSERT_EQ(reference.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t c = 0; c < items[i].continuations.size(); ++c) {
      SCOPED_TRACE("item " + std::to_string(i) + " choice " + std::to_string(c));
      EXPECT_LT(reference[i][c].logprob, 0);
      // Batched rows run through the same kernels; only summation order may differ.
      EXPECT_NEAR(forked[i][c].logprob, reference[i][c].logprob, 2e-3);
      EXPECT_NEAR(forked_one[i][c].logprob, reference[i][c].logprob, 2e-3);
      EXPECT_EQ(forked[i][c].greedy, reference[i][c].greedy);
    }
  }
  // The sky is more likely blue than a long red phrase.
  EXPECT_GT(reference[0][0].logprob, reference[0][2].logprob);
}

TEST(EvalTasksLoglikelihood, FewShotPrefixReuseScoresTheSame) {
  const std::string data = test::shared_data_path("eval");
  if (!std::filesystem::is_directory(data)) GTEST_SKIP() << "no eval data at " << data;
  const auto model = test::shared_default_model();
  EvalTasksOptions o;
  o.data_dir = data;
  o.shots = 2;
  o.limit = 3;
  std::vector<EncodedItem> items;
  for (const McItem& item : load_task_items("mmlu_anatomy", o))
    items.push_back(encode_item(model->tokenizer(), item.context, item.choices, 2048));
  auto threads = std::make_shared<Threads>(2);
  auto run = [&](bool share) {
    ScorerOptions options;
    options.share_context = share;
    options.parallel_items = 1;  // later items reuse the cached examples' blocks
    Context ctx(model, scorer_context_options(items, options, 2048, threads));
    auto s = score_items(ctx, items, options);
    if (share) {
      EXPECT_GT(ctx.kv_stats().prefix_hit_tokens, 0);
    }
    return s;
  };
  const auto plain = run(false);
  const auto cached = run(true);
  for (size_t i = 0; i < items.size(); ++i)
    for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(cached[i][c].logprob, plain[i][c].logprob, 2e-3);
}

TEST(EvalTasksLoglikelihood, LongContextsLoseTokensFromTheLeft) {
  const auto model = test::shared_default_model();
  std::string context;
  for (int i = 0; i < 200; ++i) context += "word ";
  const EncodedItem item = encode_item(model->tokenizer(), context, {"end of it"}, 64);
  EXPECT_EQ(item.context.size() + item.continuations[0].size() - 1, 64u);
  EXPECT_THROW(encode_item(model->tokenizer(), "x", {context}, 16), Error);
}

}  // namespace
}  // namespace yak::eval
