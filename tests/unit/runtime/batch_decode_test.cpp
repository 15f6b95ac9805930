// Several sequences decoded together in one batch must compute exactly what
// each computes alone: the server relies on this to batch users' requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "unit/test_models.h"
#include "yak/engine.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

std::shared_ptr<const Model> default_model() { return test::shared_default_model(); }

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

float max_abs_diff(std::span<const float> a, std::span<const float> b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

const std::vector<std::string> kPrompts = {
    "The capital of France is",
    "def fibonacci(n):",
    "Once upon a time, in a land far away, there lived a",
    "1, 2, 3, 4,",
};
constexpr int kSteps = 8;

// Logits of the last prompt token and of kSteps greedy steps, for one sequence alone.
std::vector<std::vector<float>> run_alone(const std::vector<int32_t>& prompt) {
  Context ctx(default_model(), {.n_threads = 2, .max_sequences = 1, .context_size = 256});
  const SequenceId seq = ctx.add_sequence();
  Batch batch;
  for (size_t i = 0; i < prompt.size(); ++i)
    batch.add(prompt[i], static_cast<int32_t>(i), seq, i + 1 == prompt.size());
  ctx.decode(batch);
  std::vector<std::vector<float>> out;
  for (int step = 0; step <= kSteps; ++step) {
    const auto logits = ctx.logits(0);
    out.emplace_back(logits.begin(), logits.end());
    batch.clear();
    batch.add(argmax(logits), ctx.sequence_length(seq), seq, true);
    ctx.decode(batch);
  }
  return out;
}

TEST(BatchDecode, FourSequencesTogetherMatchEachAlone) {
  const auto model = default_model();
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& p : kPrompts) prompts.push_back(model->tokenizer().encode(p, true, false));

  std::vector<std::vector<std::vector<float>>> alone;
  for (const auto& p : prompts) alone.push_back(run_alone(p));

  // All four prompts in one batch, their tokens interleaved, the handles taken
  // in reverse so that handles and batch order differ; then all four decode
  // steps together.
  Context ctx(model, {.n_threads = 2,
                      .max_sequences = 4,
                      .context_size = 1024,
                      .kv_tokens = 4096,
                      .max_batch_tokens = 7});  // forces the batch to be split too
  std::vector<SequenceId> seqs(prompts.size());
  for (size_t s = prompts.size(); s-- > 0;) seqs[s] = ctx.add_sequence();
  Batch batch;
  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  std::vector<int32_t> output_of_seq(prompts.size(), -1);
  for (size_t i = 0; i < longest; ++i)
    for (size_t s = 0; s < prompts.size(); ++s)
      if (i < prompts[s].size()) {
        const int32_t out =
            batch.add(prompts[s][i], static_cast<int32_t>(i), seqs[s], i + 1 == prompts[s].size());
        if (out >= 0) output_of_seq[s] = out;
      }
  ctx.decode(batch);
  ASSERT_EQ(ctx.n_outputs(), 4);
  // Outputs come in batch order: the sequence whose prompt ends first comes first.
  std::vector<int32_t> sorted = output_of_seq;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int32_t>{0, 1, 2, 3}));

  float worst = 0;
  for (int step = 0; step <= kSteps; ++step) {
    batch.clear();
    for (size_t s = 0; s < prompts.size(); ++s) {
      const auto logits = ctx.logits(output_of_seq[s]);
      worst = std::max(worst, max_abs_diff(logits, alone[s][static_cast<size_t>(step)]));
      ASSERT_EQ(argmax(logits), argmax(alone[s][static_cast<size_t>(step)])) << "seq " << s;
      output_of_seq[s] = batch.add(argmax(logits), ctx.sequence_length(seqs[s]), seqs[s], true);
    }
    ctx.decode(batch);
  }
  std::printf("[ batch ] max |logit diff| batched vs alone: %g\n", worst);
  EXPECT_LE(worst, 1e-4f);
}

TEST(BatchDecode, BadBatchesAreRejectedAndChangeNothing) {
  const auto model = default_model();
  Context ctx(model, {.n_threads = 1, .max_sequences = 3, .context_size = 64});
  const SequenceId a = ctx.add_sequence();
  const SequenceId b_seq = ctx.add_sequence();
  const SequenceId removed = ctx.add_sequence();
  ctx.remove_sequence(removed);
  Batch batch;
  batch.add(1, 0, a, true);
  ctx.decode(batch);
  const std::vector<float> before(ctx.logits(0).begin(), ctx.logits(0).end());

  auto expect_rejected = [&](const Batch& b, const std::string& needle) {
    try {
      ctx.decode(b);
      ADD_FAILURE() << "expected an error containing '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(ctx.sequence_length(a), 1);
    EXPECT_EQ(ctx.sequence_length(b_seq), 0);
  };
  Batch b;
  b.add(model->info().n_vocab, 1, a, true);
  expect_rejected(b, "out of range");
  b.clear();
  b.add(5, 0, removed, true);
  expect_rejected(b, "not alive");
  b.clear();
  b.add(5, 0, 7, true);
  expect_rejected(b, "not alive");
  b.clear();
  b.add(5, 3, a, true);
  expect_rejected(b, "expects position 1");
  b.clear();
  expect_rejected(b, "empty");
  b.clear();
  for (int i = 0; i < 80; ++i) b.add(5, i, b_seq, false);  // more than one sequence holds
  expect_rejected(b, "over the context size of 64");
  b.clear();
  // Within the context size, but the pool (64 tokens) is shared with sequence a.
  for (int i = 0; i < 64; ++i) b.add(5, i, b_seq, false);
  expect_rejected(b, "KV cache is full");

  // The context still works and computes what it did.
  EXPECT_EQ(std::vector<float>(ctx.logits(0).begin(), ctx.logits(0).end()), before);
  ctx.truncate_sequence(a, 0);
  batch.clear();
  batch.add(1, 0, a, true);
  ctx.decode(batch);
  EXPECT_EQ(std::vector<float>(ctx.logits(0).begin(), ctx.logits(0).end()), before);
}

}  // namespace
}  // namespace yak
