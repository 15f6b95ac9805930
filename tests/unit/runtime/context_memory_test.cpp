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

void decode_tokens(Context& ctx, int32_t n, bool all_logits = false) {
  Batch batch;
  const int32_t start = ctx.sequence_length(0);
  for (int32_t i = 0; i < n; ++i) batch.add(1 + i % 100, start + i, 0, all_logits || i + 1 == n);
  ctx.decode(batch);
}

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = 1ull << 30;

TEST(ContextMemory, BatchBuffersFollowTheBatchNotTheLimit) {
  const auto model = default_model();
  const uint64_t before = rss_bytes();
  Context ctx(model, {.n_threads = 2, .context_size = 256, .max_batch_tokens = 65536});
  decode_tokens(ctx, 1);
  // At max_batch_tokens these buffers take 1.8 GiB for this model.
  EXPECT_LT(ctx.memory_bytes(), 4 * kMiB);
  EXPECT_LT(rss_bytes() - before, 64 * kMiB);
  // A larger batch grows them, and a smaller one after it reuses them.
  decode_tokens(ctx, 100);
  const uint64_t grown = ctx.memory_bytes();
  EXPECT_GT(grown, 4 * kMiB);
  decode_tokens(ctx, 1);
  EXPECT_EQ(ctx.memory_bytes(), grown);
}

TEST(ContextMemory, KvCacheFollowsTheTokensHeld) {
  // 1M tokens of this model's KV cache take 45 GiB; allowed by the limit,
  // but only the blocks in use are allocated.
  const auto model = default_model();
  const uint64_t before = rss_bytes();
  Context ctx(model, {.n_threads = 2, .context_size = 1 << 20, .memory_limit_bytes = 64 * kGiB});
  decode_tokens(ctx, 40);  // two blocks of 32
  EXPECT_LT(ctx.memory_bytes(), 16 * kMiB);
  EXPECT_LT(rss_bytes() - before, 64 * kMiB);
  EXPECT_TRUE(ctx.has_room(0, (1 << 20) - 40));
  EXPECT_FALSE(ctx.has_room(0, (1 << 20) - 39));
  // What a new sequence could take: the rest of sequence 0's second block is its own.
  EXPECT_EQ(ctx.free_slots(), (1 << 20) - 64);
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
  decode_tokens(ctx, 3);
  const std::string error = error_of([&] { decode_tokens(ctx, 600, /*all_logits=*/true); });
  EXPECT_NE(error.find("decode: a batch of 600 tokens (600 wanting logits) needs"),
            std::string::npos)
      << error;
  EXPECT_EQ(ctx.sequence_length(0), 3);
  EXPECT_EQ(ctx.n_outputs(), 1);  // the last good decode's logits are still there
  decode_tokens(ctx, 600);        // one output: fits
  EXPECT_EQ(ctx.sequence_length(0), 603);
}

TEST(ContextMemory, ContextSizeIsExact) {
  Context ctx(default_model(), {.n_threads = 2, .context_size = 100, .kv_block_size = 32});
  EXPECT_EQ(ctx.free_slots(), 100);
  EXPECT_TRUE(ctx.has_room(0, 100));
  EXPECT_FALSE(ctx.has_room(0, 101));
  decode_tokens(ctx, 99);
  EXPECT_TRUE(ctx.has_room(0, 1));
  EXPECT_FALSE(ctx.has_room(0, 2));
  decode_tokens(ctx, 1);
  EXPECT_EQ(ctx.free_slots(), 0);
  EXPECT_FALSE(ctx.has_room(0, 1));
  // Blocks are 32 wide, so the fourth block has room left, but the context does not.
  EXPECT_NE(error_of([&] { decode_tokens(ctx, 1); }).find("KV cache is full"), std::string::npos);
  EXPECT_EQ(ctx.sequence_length(0), 100);
  ctx.truncate_sequence(0, 90);
  EXPECT_TRUE(ctx.has_room(0, 10));
  EXPECT_FALSE(ctx.has_room(0, 11));
}

TEST(ContextMemory, ContextSizeIsSharedExactlyBySequences) {
  Context ctx(default_model(),
              {.n_threads = 2, .max_sequences = 2, .context_size = 100, .kv_block_size = 32});
  Batch batch;
  for (int32_t i = 0; i < 60; ++i) batch.add(1, i, 0, false);
  for (int32_t i = 0; i < 40; ++i) batch.add(1, i, 1, i == 39);
  ctx.decode(batch);
  EXPECT_EQ(ctx.free_slots(), 0);
  EXPECT_FALSE(ctx.has_room(0, 1));
  EXPECT_FALSE(ctx.has_room(1, 1));
  ctx.clear_sequence(1);
  EXPECT_EQ(ctx.free_slots(), 40);
  EXPECT_TRUE(ctx.has_room(1, 40));
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
        decode_tokens(ctx, 1);
      }),
      "");
}

}  // namespace
}  // namespace yak
