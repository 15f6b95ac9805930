// A context's memory follows what it is used for, not its limits: batch
// buffers grow to the batches that run, the KV cache to the tokens it holds;
// a context that could never fit is refused up front with the figures; and
// the context size is honoured to the token.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.h"
#include "unit/test_models.h"
#include "yak/engine.h"

namespace yak {
namespace {

std::shared_ptr<const Model> default_model() { return test::shared_default_model(); }

uint64_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void decode_tokens(Context& ctx, SequenceId seq, int32_t n, bool all_logits = false) {
  Batch batch;
  const int32_t start = ctx.sequence_length(seq);
  for (int32_t i = 0; i < n; ++i) batch.add(1 + i % 100, start + i, seq, all_logits || i + 1 == n);
  ctx.decode(batch);
}

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = 1ull << 30;

TEST(ContextMemory, BatchBuffersFollowTheBatchNotTheLimit) {
  const auto model = default_model();
  const uint64_t before = rss_bytes();
  Context ctx(model, {.n_threads = 2, .context_size = 256, .max_batch_tokens = 65536});
  const SequenceId seq = ctx.add_sequence();
  decode_tokens(ctx, seq, 1);
  // At max_batch_tokens these buffers take 1.8 GiB for this model.
  EXPECT_LT(ctx.memory_bytes(), 4 * kMiB);
  EXPECT_LT(rss_bytes() - before, 64 * kMiB);
  // A larger batch grows them, and a smaller one after it reuses them.
  decode_tokens(ctx, seq, 100);
  const uint64_t grown = ctx.memory_bytes();
  EXPECT_GT(grown, 4 * kMiB);
  decode_tokens(ctx, seq, 1);
  EXPECT_EQ(ctx.memory_bytes(), grown);
}

TEST(ContextMemory, KvCacheFollowsTheTokensHeld) {
  // 1M tokens of this model's KV cache take 45 GiB; allowed by the limit,
  // but only the blocks in use are allocated.
  const auto model = default_model();
  const uint64_t before = rss_bytes();
  Context ctx(model, {.n_threads = 2, .context_size = 1 << 20, .memory_limit_bytes = 64 * kGiB});
  const SequenceId seq = ctx.add_sequence();
  decode_tokens(ctx, seq, 40);  // two blocks of 32
  EXPECT_LT(ctx.memory_bytes(), 16 * kMiB);
  EXPECT_LT(rss_bytes() - before, 64 * kMiB);
  EXPECT_TRUE(ctx.has_room(seq, (1 << 20) - 40));
  EXPECT_FALSE(ctx.has_room(seq, (1 << 20) - 39));
  const KvStats stats = ctx.kv_stats();
  EXPECT_EQ(stats.block_size, 32);
  EXPECT_EQ(stats.total_blocks, (1 << 20) / 32);
  EXPECT_EQ(stats.used_blocks, 2);
  EXPECT_EQ(stats.allocated_bytes, 2 * 32 * stats.bytes_per_token);
  EXPECT_EQ(ctx.memory_bytes() >= stats.allocated_bytes, true);
  // What a new sequence could take: the rest of the second block is the sequence's own.
  EXPECT_EQ(stats.free_blocks(), (1 << 20) / 32 - 2);
  EXPECT_EQ(ctx.blocks_needed(seq, 24), 0);
  EXPECT_EQ(ctx.blocks_needed(seq, 25), 1);
}

TEST(ContextMemory, ContextThatCanNeverFitIsRefusedWithTheFigures) {
  const std::string error = error_of([] {
    Context ctx(default_model(), {.context_size = 16777216, .memory_limit_bytes = 20 * kGiB});
  });
  // 30 layers x 192 key and value floats = 45 KiB per token.
  EXPECT_EQ(error,
            "a context of 16777216 tokens needs 720.0 GiB of KV cache (45.0 KiB per token); "
            "20.0 GiB of memory is available: use a context of 466016 tokens or less");
  EXPECT_NE(error_of([] {
              Context ctx(default_model(), {.context_size = 4096, .memory_limit_bytes = 1024});
            }).find("not even one token fits"),
            std::string::npos);
  // The advice holds.
  EXPECT_EQ(error_of([] {
              Context ctx(default_model(),
                          {.context_size = 466016, .memory_limit_bytes = 20 * kGiB});
            }),
            "");
  // Without a limit, the machine's memory decides: nothing has 720 GiB free here.
  EXPECT_NE(error_of([] {
              Context ctx(default_model(), {.context_size = 1 << 30});
            }).find("of memory is available"),
            std::string::npos);
}

TEST(ContextMemory, BatchThatCannotFitIsRefusedAndChangesNothing) {
  // 1024 tokens of KV cache (45 MiB) fit in 64 MiB; the logits of 600 tokens
  // (600 x 49152 floats, 112.5 MiB) do not.
  Context ctx(default_model(),
              {.n_threads = 2, .context_size = 1024, .memory_limit_bytes = 64 * kMiB});
  const SequenceId seq = ctx.add_sequence();
  decode_tokens(ctx, seq, 3);
  const std::string error = error_of([&] { decode_tokens(ctx, seq, 600, /*all_logits=*/true); });
  EXPECT_NE(error.find("decode: a batch of 600 tokens (600 wanting logits) needs"),
            std::string::npos)
      << error;
  EXPECT_EQ(ctx.sequence_length(seq), 3);
  EXPECT_EQ(ctx.n_outputs(), 1);  // the last good decode's logits are still there
  decode_tokens(ctx, seq, 600);   // one output: fits
  EXPECT_EQ(ctx.sequence_length(seq), 603);
}

TEST(ContextMemory, ContextSizeIsExact) {
  Context ctx(default_model(), {.n_threads = 2, .context_size = 100, .kv_block_size = 32});
  const SequenceId seq = ctx.add_sequence();
  EXPECT_EQ(ctx.kv_stats().free_blocks(), 4);
  EXPECT_TRUE(ctx.has_room(seq, 100));
  EXPECT_FALSE(ctx.has_room(seq, 101));
  decode_tokens(ctx, seq, 99);
  EXPECT_TRUE(ctx.has_room(seq, 1));
  EXPECT_FALSE(ctx.has_room(seq, 2));
  decode_tokens(ctx, seq, 1);
  EXPECT_EQ(ctx.kv_stats().free_blocks(), 0);
  EXPECT_FALSE(ctx.has_room(seq, 1));
  // Blocks are 32 wide, so the fourth block has room left, but the context does not.
  EXPECT_NE(error_of([&] { decode_tokens(ctx, seq, 1); }).find("over the context size of 100"),
            std::string::npos);
  EXPECT_EQ(ctx.sequence_length(seq), 100);
  ctx.truncate_sequence(seq, 90);
  EXPECT_TRUE(ctx.has_room(seq, 10));
  EXPECT_FALSE(ctx.has_room(seq, 11));
}

TEST(ContextMemory, ThePoolIsSharedBySequencesAndEachHoldsTheContextSizeAtMost) {
  Context ctx(default_model(), {.n_threads = 2,
                                .max_sequences = 2,
                                .context_size = 80,
                                .kv_tokens = 128,
                                .kv_block_size = 32});
  const SequenceId a = ctx.add_sequence();
  const SequenceId b = ctx.add_sequence();
  EXPECT_EQ(ctx.kv_stats().total_blocks, 4);
  EXPECT_FALSE(ctx.has_room(a, 81));  // the pool has room, one sequence may not hold it
  Batch batch;
  for (int32_t i = 0; i < 60; ++i) batch.add(1, i, a, false);
  for (int32_t i = 0; i < 40; ++i) batch.add(1, i, b, i == 39);
  ctx.decode(batch);
  EXPECT_EQ(ctx.kv_stats().used_blocks, 4);
  EXPECT_EQ(ctx.kv_stats().free_blocks(), 0);
  EXPECT_TRUE(ctx.has_room(a, 4));  // its second block has room
  EXPECT_FALSE(ctx.has_room(a, 5));
  EXPECT_FALSE(ctx.has_room(b, 25));
  ctx.remove_sequence(b);
  EXPECT_EQ(ctx.kv_stats().free_blocks(), 2);
  EXPECT_TRUE(ctx.has_room(a, 20));
  EXPECT_FALSE(ctx.has_room(a, 21));  // over the context size
  const SequenceId c = ctx.add_sequence();
  EXPECT_TRUE(ctx.has_room(c, 64));
  EXPECT_FALSE(ctx.has_room(c, 65));
}

TEST(ContextMemory, SequenceHandlesAreCheckedAndReused) {
  Context ctx(default_model(), {.n_threads = 2, .max_sequences = 2, .context_size = 64});
  const SequenceId a = ctx.add_sequence();
  const SequenceId b = ctx.add_sequence();
  EXPECT_NE(a, b);
  EXPECT_NE(error_of([&] { ctx.add_sequence(); }).find("all 2 sequences"), std::string::npos);
  decode_tokens(ctx, b, 3);
  ctx.remove_sequence(b);
  EXPECT_NE(error_of([&] { ctx.sequence_length(b); }).find("not alive"), std::string::npos);
  EXPECT_NE(error_of([&] { ctx.remove_sequence(b); }).find("not alive"), std::string::npos);
  EXPECT_NE(error_of([&] { ctx.has_room(-1, 1); }).find("not alive"), std::string::npos);
  const SequenceId again = ctx.add_sequence();  // a removed handle is reused, empty
  EXPECT_EQ(ctx.sequence_length(again), 0);
  EXPECT_EQ(ctx.kv_stats().used_blocks, 0);
}

TEST(ContextMemory, OutOfRangeOptionsAreErrorsNamingThem) {
  const auto model = default_model();
  EXPECT_EQ(error_of([&] { Context ctx(model, {.context_size = 0}); }),
            "the context size 0 must be at least 1 token");
  EXPECT_EQ(error_of([&] { Context ctx(model, {.max_sequences = 1 << 20}); }),
            "the number of sequences 1048576 is out of range [1, 65536]");
  EXPECT_EQ(error_of([&] { Context ctx(model, {.kv_block_size = 1 << 20}); }),
            "the KV block size 1048576 is out of range [1, 4096]");
  EXPECT_EQ(error_of([&] { Context ctx(model, {.n_threads = 5000}); }),
            "thread count 5000 is out of range [0, 1024]");
  EXPECT_EQ(error_of([&] { Context ctx(model, {.max_batch_tokens = 1 << 20}); }),
            "batch size 1048576 is out of range [1, 65536]");
  // The largest allowed values of each are fine (memory permitting).
  EXPECT_EQ(
      error_of([&] {
        Context ctx(
            model,
            {.n_threads = 2, .max_sequences = 65536, .context_size = 64, .kv_block_size = 4096});
        decode_tokens(ctx, ctx.add_sequence(), 1);
      }),
      "");
}

}  // namespace
}  // namespace yak
