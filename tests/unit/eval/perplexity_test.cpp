// The scoring rule against a direct computation with the engine API: windows of n_ctx, BOS
// replacing each window's first token where the model adds BOS, only the second half scored.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "unit/eval/eval_test_util.h"
#include "unit/test_models.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/eval.h"
#include "yak/tokenizer.h"

namespace yak::eval {
namespace {

constexpr int32_t kCtx = 32;

// llama.cpp's rule, written out with nothing but the Context API.
double direct_perplexity(const std::shared_ptr<const Model>& model, const std::string& text,
                         int32_t n_ctx, int64_t max_chunks, int64_t* scored) {
  const Tokenizer& tok = model->tokenizer();
  std::vector<int32_t> tokens = tok.encode(text, true);
  const int64_t n_chunks = std::min<int64_t>(max_chunks, int64_t(tokens.size()) / n_ctx);
  double nll = 0;
  *scored = 0;
  for (int64_t c = 0; c < n_chunks; ++c) {
    std::vector<int32_t> w(tokens.begin() + c * n_ctx, tokens.begin() + (c + 1) * n_ctx);
    if (tok.add_bos()) w[0] = *tok.bos();
    Context ctx(model, {.n_threads = 2, .context_size = n_ctx});
    const SequenceId seq = ctx.add_sequence();
    Batch batch;
    for (int32_t p = 0; p < n_ctx; ++p) batch.add(w[p], p, seq, true);
    ctx.decode(batch);
    for (int32_t j = n_ctx / 2; j < n_ctx - 1; ++j) {
      const std::span<const float> l = ctx.logits(j);
      double max = l[0];
      for (float x : l) max = std::max<double>(max, x);
      double sum = 0;
      for (float x : l) sum += std::exp(double(x) - max);
      nll += -(double(l[w[j + 1]]) - max - std::log(sum));
      ++*scored;
    }
  }
  return std::exp(nll / double(*scored));
}

std::string text_of_tokens(const Tokenizer& tok, int64_t at_least) {
  std::string text = test::wikitext_slice(4000);
  if (text.empty()) return {};
  while (int64_t(tok.encode(text, true).size()) < at_least) text += text;
  return text;
}

TEST(EvalPerplexity, MatchesTheDirectComputation) {
  const auto model = test::shared_default_model();
  const std::string text = text_of_tokens(model->tokenizer(), 3 * kCtx + 5);
  if (text.empty()) GTEST_SKIP() << "WikiText-2 missing under ../shared/data";
  int64_t scored = 0;
  const double want = direct_perplexity(model, text, kCtx, 3, &scored);
  const Windows w = make_windows(model->tokenizer(), text, {.n_ctx = kCtx, .max_chunks = 3});
  EXPECT_EQ(w.n_scored(), scored);
  EXPECT_EQ(w.scored_per_window(), kCtx - 1 - kCtx / 2);
  // Side by side, in pieces smaller than a window, and one window per batch.
  for (int32_t n_batch : {2048, 7, kCtx}) {
    int32_t calls = 0;
    const PerplexityResult r =
        perplexity(model, w, {.n_batch = n_batch, .n_threads = 2}, [&](const Progress& p, double) {
          EXPECT_EQ(p.windows_done, ++calls);
          EXPECT_GE(p.windows_decoded, p.windows_done);
          EXPECT_GT(p.seconds_per_window(), 0);
        });
    EXPECT_NEAR(r.ppl.value, want, 2e-4 * want) << "n_batch " << n_batch;
    EXPECT_EQ(r.n_scored, scored);
    EXPECT_EQ(calls, w.n_chunks);
    ASSERT_EQ(r.running_ppl.size(), size_t(w.n_chunks));
    EXPECT_DOUBLE_EQ(r.running_ppl.back(), r.ppl.value);
    EXPECT_GT(r.ppl.uncertainty, 0);
  }
}

TEST(EvalPerplexity, ReplacesEachWindowsFirstTokenByBosWhereTheModelAddsIt) {
  std::shared_ptr<const Model> model;
  try {
    model = Model::load(test::bos_adding_default_model());
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  ASSERT_TRUE(model->tokenizer().add_bos());
  const std::string text = text_of_tokens(model->tokenizer(), 2 * kCtx + 3);
  if (text.empty()) GTEST_SKIP() << "WikiText-2 missing under ../shared/data";
  const Windows w = make_windows(model->tokenizer(), text, {.n_ctx = kCtx, .max_chunks = 2});
  const std::vector<int32_t> all = model->tokenizer().encode(text, true);
  for (int32_t c = 0; c < w.n_chunks; ++c) {
    EXPECT_EQ(w.window(c)[0], *model->tokenizer().bos());
    for (int32_t p = 1; p < kCtx; ++p) EXPECT_EQ(w.window(c)[p], all[size_t(c) * kCtx + p]);
  }
  int64_t scored = 0;
  const double want = direct_perplexity(model, text, kCtx, 2, &scored);
  EXPECT_EQ(w.n_chunks, 2);
  const PerplexityResult r = perplexity(model, w, {.n_threads = 2});
  EXPECT_NEAR(r.ppl.value, want, 2e-4 * want);
}

TEST(EvalPerplexity, RefusesBadInput) {
  const auto model = test::shared_default_model();
  const Tokenizer& tok = model->tokenizer();
  const auto refuses = [&](std::string_view text, WindowOptions o, const std::string& needle) {
    try {
      make_windows(tok, text, o);
      ADD_FAILURE() << "accepted; wanted an error with '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  refuses("", {}, "empty");
  refuses("a short text", {.n_ctx = 512}, "needs at least 1024");
  refuses("some text", {.n_ctx = 2}, "at least 4");
  refuses("some text", {.n_ctx = 8, .max_chunks = -1}, "not be negative");
  const std::string text = text_of_tokens(tok, 64);
  if (text.empty()) GTEST_SKIP() << "WikiText-2 missing under ../shared/data";
  Windows w = make_windows(tok, text, {.n_ctx = 16, .max_chunks = 2});
  EXPECT_EQ(w.n_chunks, 2);
  EXPECT_THROW(perplexity(model, w, {.n_batch = 0}), Error);
  w.tokens[3] = model->info().n_vocab;
  EXPECT_THROW(perplexity(model, w, {}), Error);
}

}  // namespace
}  // namespace yak::eval
