// One yak::Threads shared by a model's load and several contexts: contexts used from
// different threads at once take turns on the workers and compute what they compute alone.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/threads.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

// The last token's logits after decoding `tokens` in a fresh sequence of `ctx`.
std::vector<float> last_logits(Context& ctx, const std::vector<int32_t>& tokens) {
  const SequenceId seq = ctx.add_sequence();
  Batch batch;
  int32_t out = -1;
  for (size_t i = 0; i < tokens.size(); ++i)
    out = batch.add(tokens[i], static_cast<int32_t>(i), seq, i + 1 == tokens.size());
  ctx.decode(batch);
  const auto logits = ctx.logits(out);
  std::vector<float> result(logits.begin(), logits.end());
  ctx.remove_sequence(seq);
  return result;
}

TEST(SharedThreads, ContextsOnManyThreadsTakeTurnsAndAgreeWithRunningAlone) {
  const auto threads = std::make_shared<Threads>(2);
  const auto model = Model::load(test::default_model_path(), {.threads = threads});
  const Tokenizer& tok = model->tokenizer();
  const std::vector<std::vector<int32_t>> prompts = {tok.encode("The capital of France is"),
                                                     tok.encode("Once upon a time, a dragon")};
  std::vector<std::vector<float>> alone;
  {
    Context ctx(model, {.context_size = 64, .threads = threads});
    EXPECT_EQ(ctx.n_threads(), 2);
    for (const auto& p : prompts) alone.push_back(last_logits(ctx, p));
  }
  std::vector<std::unique_ptr<Context>> contexts;
  for (size_t i = 0; i < prompts.size(); ++i)
    contexts.push_back(
        std::make_unique<Context>(model, ContextOptions{.context_size = 64, .threads = threads}));
  std::vector<int> mismatches(prompts.size(), 0);
  std::vector<std::thread> users;
  for (size_t i = 0; i < prompts.size(); ++i) {
    users.emplace_back([&, i] {
      for (int round = 0; round < 20; ++round)
        if (last_logits(*contexts[i], prompts[i]) != alone[i]) ++mismatches[i];
    });
  }
  for (std::thread& t : users) t.join();
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(mismatches[i], 0) << "prompt " << i;
}

TEST(SharedThreads, CountsAreChecked) {
  EXPECT_THROW(Threads(-1), Error);
  EXPECT_THROW(Threads(1025), Error);
  EXPECT_GE(Threads(0).size(), 1);
  EXPECT_EQ(Threads(3).size(), 3);
}

}  // namespace
}  // namespace yak
