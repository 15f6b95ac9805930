// Shared KV blocks seen through the engine API, with the real default model: a
// forked sequence and a sequence that attached cached blocks compute exactly
// what a fresh sequence computes, and the pool's figures say where blocks are.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "unit/test_models.h"
#include "yak/engine.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

std::shared_ptr<const Model> default_model() { return test::shared_default_model(); }

using Logits = std::vector<float>;

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// The token ranked second: a continuation other than the greedy one.
int32_t second_best(std::span<const float> v) {
  const int32_t best = argmax(v);
  int32_t second = best == 0 ? 1 : 0;
  for (int32_t i = 0; i < static_cast<int32_t>(v.size()); ++i)
    if (i != best && v[static_cast<size_t>(i)] > v[static_cast<size_t>(second)]) second = i;
  return second;
}

// Runs tokens as the next positions of `seq` in one batch; returns the last one's logits.
Logits run(Context& ctx, SequenceId seq, std::span<const int32_t> tokens) {
  Batch batch;
  int32_t out = -1;
  const int32_t start = ctx.sequence_length(seq);
  for (size_t i = 0; i < tokens.size(); ++i)
    out = batch.add(tokens[i], start + static_cast<int32_t>(i), seq, i + 1 == tokens.size());
  ctx.decode(batch);
  const auto logits = ctx.logits(out);
  return {logits.begin(), logits.end()};
}

Logits run_token(Context& ctx, SequenceId seq, int32_t token) {
  return run(ctx, seq, std::span<const int32_t>(&token, 1));
}

std::vector<int32_t> prompt_tokens(const std::string& text) {
  return default_model()->tokenizer().encode(text, true, false);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kLongText =
    "The old lighthouse keeper climbed the spiral stairs every evening at dusk, counting each of "
    "the one hundred and twelve steps as his father had taught him, and at the top he trimmed "
    "the wick, polished the great lens until it shone, and looked out across the grey water. "
    "Ships passed far away on the horizon, their lights small and steady, and he wrote each one "
    "into the logbook with the hour, the heading and the weather, in a careful slanting hand.";

// A fresh, unshared sequence: the prompt in one batch, then one token at a time.
std::vector<Logits> fresh_run(const std::vector<int32_t>& prompt,
                              const std::vector<int32_t>& continuation) {
  Context ctx(default_model(), {.n_threads = 2, .context_size = 256});
  const SequenceId seq = ctx.add_sequence();
  std::vector<Logits> out{run(ctx, seq, prompt)};
  for (const int32_t token : continuation) out.push_back(run_token(ctx, seq, token));
  return out;
}

TEST(ForkSequence, AForkAndItsParentDecodeDifferentTokensExactlyAsFreshSequences) {
  const std::vector<int32_t> prompt = prompt_tokens(kLongText);
  ASSERT_GT(prompt.size() % 32, 0u) << "the prompt should end inside a block";
  Context ctx(default_model(),
              {.n_threads = 2, .max_sequences = 2, .context_size = 256, .kv_tokens = 512});
  const SequenceId parent = ctx.add_sequence();
  const Logits after_prompt = run(ctx, parent, prompt);
  const SequenceId child = ctx.fork_sequence(parent);
  EXPECT_EQ(ctx.sequence_length(child), static_cast<int32_t>(prompt.size()));
  const int64_t prompt_blocks = (static_cast<int64_t>(prompt.size()) + 31) / 32;
  EXPECT_EQ(ctx.kv_stats().used_blocks, prompt_blocks);  // shared, counted once
  EXPECT_EQ(ctx.blocks_needed(child, 1), 1);             // its partly filled block is copied

  // The parent goes the greedy way, the child the second most likely; each in
  // its own batch, alternately, so that each write lands after the other's.
  std::vector<int32_t> parent_tokens, child_tokens;
  Logits parent_logits = after_prompt, child_logits = after_prompt;
  std::vector<Logits> parent_out{after_prompt}, child_out{after_prompt};
  for (int step = 0; step < 6; ++step) {
    parent_tokens.push_back(argmax(parent_logits));
    child_tokens.push_back(step == 0 ? second_best(child_logits) : argmax(child_logits));
    parent_logits = run_token(ctx, parent, parent_tokens.back());
    child_logits = run_token(ctx, child, child_tokens.back());
    parent_out.push_back(parent_logits);
    child_out.push_back(child_logits);
  }
  ASSERT_NE(parent_tokens, child_tokens);
  EXPECT_EQ(parent_out, fresh_run(prompt, parent_tokens));
  EXPECT_EQ(child_out, fresh_run(prompt, child_tokens));
  // The prompt's full blocks are still shared; the rest is each one's own.
  const int64_t full = static_cast<int64_t>(prompt.size()) / 32;
  const int64_t each = (static_cast<int64_t>(prompt.size()) + 6 + 31) / 32;
  EXPECT_EQ(ctx.kv_stats().used_blocks, full + 2 * (each - full));
}

TEST(ForkSequence, ForksDecodedTogetherInOneBatchMatchFreshSequences) {
  const std::vector<int32_t> prompt = prompt_tokens(kLongText);
  Context ctx(default_model(),
              {.n_threads = 2, .max_sequences = 3, .context_size = 256, .kv_tokens = 768});
  const SequenceId a = ctx.add_sequence();
  const Logits after_prompt = run(ctx, a, prompt);
  const SequenceId b = ctx.fork_sequence(a);
  const SequenceId c = ctx.fork_sequence(b);
  // Three different next tokens for three holders of one partly filled block.
  const std::vector<int32_t> next = {argmax(after_prompt), second_best(after_prompt), 13};
  Batch batch;
  const SequenceId seqs[] = {a, b, c};
  std::vector<int32_t> outputs;
  for (size_t i = 0; i < 3; ++i)
    outputs.push_back(batch.add(next[i], static_cast<int32_t>(prompt.size()), seqs[i], true));
  ctx.decode(batch);
  for (size_t i = 0; i < 3; ++i) {
    const auto logits = ctx.logits(outputs[i]);
    const std::vector<Logits> fresh = fresh_run(prompt, {next[i]});
    // A batch of three rows against a batch of one: the same kernels, but not
    // necessarily the same order of sums, so allow rounding.
    float worst = 0;
    for (size_t v = 0; v < logits.size(); ++v)
      worst = std::max(worst, std::abs(logits[v] - fresh[1][v]));
    std::printf("[ fork ] sequence %zu: max |logit diff| batched vs fresh: %g\n", i, worst);
    EXPECT_LE(worst, 1e-4f) << "sequence " << i;
    EXPECT_EQ(argmax(logits), argmax(fresh[1]));
  }
  EXPECT_EQ(ctx.kv_stats().used_blocks, (static_cast<int64_t>(prompt.size()) + 31) / 32 + 2);
}

TEST(ForkSequence, IsRefusedWithoutAFreeSequenceAndForADeadOne) {
  Context ctx(default_model(), {.n_threads = 2, .max_sequences = 2, .context_size = 64});
  const SequenceId a = ctx.add_sequence();
  run_token(ctx, a, 1);
  const SequenceId b = ctx.fork_sequence(a);
  EXPECT_NE(error_of([&] { ctx.fork_sequence(a); }).find("all 2 sequences"), std::string::npos);
  ctx.remove_sequence(b);
  EXPECT_NE(error_of([&] { ctx.fork_sequence(b); }).find("not alive"), std::string::npos);
}

TEST(ForkSequence, ADecodeThatCannotFitTheCopyChangesNothing) {
  // Pool of two blocks: the prompt's partly filled block and one more.
  Context ctx(default_model(),
              {.n_threads = 2, .max_sequences = 3, .context_size = 64, .kv_tokens = 64});
  const SequenceId a = ctx.add_sequence();
  run(ctx, a, prompt_tokens("Hello there"));
  const SequenceId b = ctx.fork_sequence(a);
  const SequenceId c = ctx.fork_sequence(a);
  EXPECT_TRUE(ctx.has_room(b, 1));
  Batch batch;
  for (const SequenceId s : {a, b, c}) batch.add(5, ctx.sequence_length(s), s, true);
  // Two copies are needed, one block is free.
  EXPECT_NE(error_of([&] { ctx.decode(batch); }).find("KV cache is full"), std::string::npos);
  const KvStats stats = ctx.kv_stats();
  EXPECT_EQ(stats.used_blocks, 1);
  EXPECT_EQ(ctx.blocks_needed(b, 1), 1);
  EXPECT_EQ(ctx.sequence_length(a), ctx.sequence_length(b));
  // Two of them fit: one copies, the other then holds the block alone.
  batch.clear();
  for (const SequenceId s : {a, b}) batch.add(5, ctx.sequence_length(s), s, true);
  ctx.remove_sequence(c);
  ctx.decode(batch);
  EXPECT_EQ(ctx.kv_stats().used_blocks, 2);
}

Context caching_context(int64_t kv_tokens, int32_t max_sequences = 2) {
  return Context(default_model(), {.n_threads = 2,
                                   .max_sequences = max_sequences,
                                   .context_size = 256,
                                   .kv_tokens = kv_tokens,
                                   .prefix_caching = true});
}

TEST(PrefixCaching, ACachedPrefixGivesTheLogitsOfComputingItAgain) {
  const std::vector<int32_t> first = prompt_tokens(kLongText);
  ASSERT_GT(first.size(), 64u);
  // Shares its first two blocks with `first`, then goes its own way.
  std::vector<int32_t> second(first.begin(), first.begin() + 64);
  for (const int32_t t : prompt_tokens(" and then the storm came")) second.push_back(t);

  Context ctx = caching_context(1024);
  const SequenceId a = ctx.add_sequence();
  run(ctx, a, first);
  ctx.remove_sequence(a);
  EXPECT_EQ(ctx.kv_stats().cached_blocks, static_cast<int64_t>(first.size()) / 32);
  EXPECT_EQ(ctx.kv_stats().used_blocks, 0);

  const SequenceId b = ctx.add_sequence();
  const int32_t attached = ctx.attach_cached_prefix(b, second);
  EXPECT_EQ(attached, 64);
  EXPECT_EQ(ctx.sequence_length(b), 64);
  const Logits cached =
      run(ctx, b, std::span<const int32_t>(second).subspan(static_cast<size_t>(attached)));

  // From scratch, with the same split of the work: the 64 tokens, then the rest.
  Context plain(default_model(), {.n_threads = 2, .context_size = 256});
  const SequenceId p = plain.add_sequence();
  run(plain, p, std::span<const int32_t>(second).first(64));
  const Logits scratch = run(plain, p, std::span<const int32_t>(second).subspan(64));
  EXPECT_EQ(cached, scratch);
  // And in one batch, as a request without a cache would run.
  Context whole(default_model(), {.n_threads = 2, .context_size = 256});
  const Logits in_one = run(whole, whole.add_sequence(), second);
  float worst = 0;
  for (size_t v = 0; v < in_one.size(); ++v)
    worst = std::max(worst, std::abs(in_one[v] - cached[v]));
  std::printf("[ prefix ] max |logit diff| cached prefix vs one batch: %g\n", worst);
  EXPECT_LE(worst, 1e-4f);

  const KvStats stats = ctx.kv_stats();
  EXPECT_EQ(stats.prefix_queried_tokens, static_cast<int64_t>(second.size()));
  EXPECT_EQ(stats.prefix_hit_tokens, 64);
}

TEST(PrefixCaching, CachedBlocksAreEvictedWhenANewRequestNeedsThePool) {
  const std::vector<int32_t> text = prompt_tokens(kLongText);
  ASSERT_GE(text.size(), 64u);
  Context ctx = caching_context(64);  // two blocks
  const SequenceId a = ctx.add_sequence();
  run(ctx, a, std::span<const int32_t>(text).first(64));
  ctx.remove_sequence(a);
  KvStats stats = ctx.kv_stats();
  EXPECT_EQ(stats.cached_blocks, 2);
  EXPECT_EQ(stats.free_blocks(), 2);
  // Other tokens take the whole pool: both cached blocks are evicted.
  const SequenceId b = ctx.add_sequence();
  EXPECT_TRUE(ctx.has_room(b, 64));
  std::vector<int32_t> other(64, 0);
  for (size_t i = 0; i < other.size(); ++i) other[i] = 100 + static_cast<int32_t>(i);
  run(ctx, b, other);
  stats = ctx.kv_stats();
  EXPECT_EQ(stats.used_blocks, 2);
  EXPECT_EQ(stats.cached_blocks, 0);
  ctx.remove_sequence(b);
  // The first request's blocks are gone; the second's are cached now.
  const SequenceId c = ctx.add_sequence();
  std::vector<int32_t> first_again(text.begin(), text.begin() + 65);
  EXPECT_EQ(ctx.attach_cached_prefix(c, first_again), 0);
  other.push_back(7);
  EXPECT_EQ(ctx.attach_cached_prefix(c, other), 64);
}

TEST(PrefixCaching, AttachingIsForEmptySequencesAndOffWithoutCaching) {
  const std::vector<int32_t> text = prompt_tokens(kLongText);
  Context plain(default_model(), {.n_threads = 2, .max_sequences = 2, .context_size = 256});
  SequenceId s = plain.add_sequence();
  run(plain, s, text);
  plain.remove_sequence(s);
  EXPECT_EQ(plain.kv_stats().cached_blocks, 0);
  s = plain.add_sequence();
  EXPECT_EQ(plain.attach_cached_prefix(s, text), 0);
  EXPECT_EQ(plain.kv_stats().prefix_queried_tokens, 0);

  Context ctx = caching_context(512);
  s = ctx.add_sequence();
  run(ctx, s, text);
  EXPECT_NE(error_of([&] { ctx.attach_cached_prefix(s, text); }).find("already holds"),
            std::string::npos);
  // A live sequence's full blocks are found too, and shared.
  const SequenceId t = ctx.add_sequence();
  EXPECT_EQ(ctx.attach_cached_prefix(t, text), static_cast<int32_t>(text.size()) / 32 * 32);
  EXPECT_EQ(ctx.kv_stats().used_blocks, (static_cast<int64_t>(text.size()) + 31) / 32);
  EXPECT_NE(error_of([&] { ctx.attach_cached_prefix(99, text); }).find("not alive"),
            std::string::npos);
}

TEST(PrefixCaching, AttachedTokensStayWithinTheContextSize) {
  const std::vector<int32_t> text = prompt_tokens(kLongText);
  ASSERT_GT(text.size(), 40u);
  Context ctx(default_model(), {.n_threads = 2,
                                .max_sequences = 2,
                                .context_size = 40,
                                .kv_tokens = 256,
                                .kv_block_size = 8,
                                .prefix_caching = true});
  const SequenceId a = ctx.add_sequence();
  run(ctx, a, std::span<const int32_t>(text).first(40));
  ctx.remove_sequence(a);
  const SequenceId b = ctx.add_sequence();
  // 40 tokens are cached, but of a longer prompt only what leaves one token to
  // run within the context size may be attached.
  EXPECT_EQ(ctx.attach_cached_prefix(b, text), 32);
}

}  // namespace
}  // namespace yak
