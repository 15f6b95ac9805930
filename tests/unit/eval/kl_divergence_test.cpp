// KL divergence on the default model: a model against itself, exact against fast (the top-k
// base against the full distributions), and a base of another vocabulary.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "eval/kld_math.h"
#include "eval/window_runner.h"
#include "unit/eval/eval_test_util.h"
#include "unit/test_models.h"
#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/eval.h"

namespace yak::eval {
namespace {

Windows test_windows(const Model& model, int32_t n_ctx, int32_t chunks) {
  std::string text = test::wikitext_slice(40000);
  if (text.empty()) return {};
  return make_windows(model.tokenizer(), text, {.n_ctx = n_ctx, .max_chunks = chunks});
}

TEST(EvalKlDivergence, AModelAgainstItselfDivergesByNothing) {
  const auto model = test::shared_default_model();
  const Windows w = test_windows(*model, 64, 2);
  if (w.tokens.empty()) GTEST_SKIP() << "WikiText-2 missing under ../shared/data";
  const BaseLogProbs base = compute_base_logprobs(model, w, 16, 16, {.n_threads = 2});
  EXPECT_EQ(base.n_positions(), w.n_scored());
  const KldResult r = kl_divergence(model, base, {.n_threads = 2});
  EXPECT_EQ(r.n_positions, w.n_scored());
  EXPECT_NEAR(r.kld.value, 0, 1e-6);
  EXPECT_NEAR(r.kld_max, 0, 1e-5);
  EXPECT_NEAR(r.ppl.value, r.ppl_base.value, 1e-4 * r.ppl.value);
  EXPECT_NEAR(r.rms_delta_p.value, 0, 1e-5);
  EXPECT_DOUBLE_EQ(r.same_top.value, 1.0);
  // Its perplexity is the one `perplexity` computes.
  EXPECT_NEAR(r.ppl.value, perplexity(model, w, {.n_threads = 2}).ppl.value, 1e-4 * r.ppl.value);
}

// Exact against fast precision of the default model: the mean KLD from the compact base
// against the mean from the full distributions. docs/eval.md quotes the printed table.
TEST(EvalKlDivergence, CompactBaseChangesTheMeanByLessThanOnePercent) {
  const auto exact = Model::load(test::default_model_path(), {.precision = Precision::kExact});
  const auto fast = test::shared_default_model();
  const Windows w = test_windows(*exact, 128, 3);
  if (w.tokens.empty()) GTEST_SKIP() << "WikiText-2 missing under ../shared/data";
  const int32_t n_vocab = exact->info().n_vocab;
  std::vector<float> base_rows, model_rows;
  const auto keep = [](std::vector<float>& rows) {
    return [&rows](int32_t, int32_t, std::span<const float> l) {
      rows.insert(rows.end(), l.begin(), l.end());
    };
  };
  run_windows(exact, w, {.n_threads = 2}, keep(base_rows), {});
  run_windows(fast, w, {.n_threads = 2}, keep(model_rows), {});
  const size_t n = base_rows.size() / n_vocab;
  ASSERT_EQ(int64_t(n), w.n_scored());
  double full = 0;
  for (size_t i = 0; i < n; ++i) {
    full += kld_full(std::span<const float>(base_rows).subspan(i * n_vocab, n_vocab),
                     std::span<const float>(model_rows).subspan(i * n_vocab, n_vocab));
  }
  full /= double(n);
  std::printf("exact vs fast over %zu positions: full mean KLD %.6g\n", n, full);
  EXPECT_GT(full, 0);
  struct Config {
    int32_t k, m;
  };
  for (const Config c :
       {Config{256, 0}, Config{16, 64}, Config{kDefaultTopK, kDefaultTailSamples}}) {
    const KldResult r = kl_divergence(
        fast, compute_base_logprobs(exact, w, c.k, c.m, {.n_threads = 2}), {.n_threads = 2});
    const double rel = (r.kld.value - full) / full;
    std::printf("  top %3d + %3d samples: mean KLD %.6g (%+.3f%%)\n", c.k, c.m, r.kld.value,
                100 * rel);
    if (c.m == 0)
      EXPECT_LE(r.kld.value, full * (1 + 1e-4)) << "the coarsened divergence is a lower bound";
    if (c.k == kDefaultTopK && c.m == kDefaultTailSamples) EXPECT_LT(std::abs(rel), 0.01);
  }
}

TEST(EvalKlDivergence, RefusesABaseOfAnotherVocabulary) {
  const auto model = test::shared_default_model();
  const Windows w = test_windows(*model, 32, 2);
  if (w.tokens.empty()) GTEST_SKIP() << "WikiText-2 missing under ../shared/data";
  BaseLogProbs base = compute_base_logprobs(model, w, 4, 4, {.n_threads = 2});
  base.description = "other.gguf";
  BaseLogProbs bigger = base;
  bigger.n_vocab += 1;
  EXPECT_THROW(
      {
        try {
          kl_divergence(model, bigger, {});
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("vocabulary has 49152 tokens but the base's "
                                               "(other.gguf) has 49153"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      Error);
  base.vocab_hash ^= 1;
  EXPECT_THROW(kl_divergence(model, base, {}), Error);
  EXPECT_THROW(compute_base_logprobs(model, w, 0, 0, {}), Error);
  EXPECT_THROW(compute_base_logprobs(model, w, 4, -1, {}), Error);
  EXPECT_THROW(compute_base_logprobs(model, w, model->info().n_vocab + 1, 0, {}), Error);
}

}  // namespace
}  // namespace yak::eval
