#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace yak::model {
namespace {

ModelConfig tiny_config() {
  ModelConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_head_kv = 2;
  c.head_dim = 8;
  return c;
}

TEST(KvCache, SequencesTakeAndReturnBlocks) {
  KvCache cache(tiny_config(), {.max_sequences = 3, .capacity = 64, .block_size = 16});
  EXPECT_EQ(cache.capacity(), 64);
  EXPECT_EQ(cache.free_slots(), 64);
  cache.reserve(0, 17);  // two blocks
  EXPECT_EQ(cache.free_slots(), 32);
  cache.set_length(0, 17);
  cache.reserve(1, 16);
  cache.set_length(1, 16);
  EXPECT_EQ(cache.free_slots(), 16);
  EXPECT_TRUE(cache.can_reserve(0, 15));  // fits in its second block
  EXPECT_TRUE(cache.can_reserve(2, 16));
  EXPECT_FALSE(cache.can_reserve(2, 17));
  EXPECT_THROW(cache.reserve(2, 17), Error);
  EXPECT_EQ(cache.free_slots(), 16);  // a failed reserve takes nothing
  cache.truncate(0, 16);
  EXPECT_EQ(cache.free_slots(), 32);
  cache.clear(1);
  EXPECT_EQ(cache.free_slots(), 48);
  EXPECT_EQ(cache.length(0), 16);
}

TEST(KvCache, SlotsOfDifferentSequencesAndLayersDoNotOverlap) {
  const ModelConfig c = tiny_config();
  KvCache cache(c, {.max_sequences = 2, .capacity = 32, .block_size = 4});
  cache.reserve(0, 9);
  cache.reserve(1, 7);
  for (int32_t layer = 0; layer < 2; ++layer)
    for (int32_t seq = 0; seq < 2; ++seq)
      for (int32_t pos = 0; pos < (seq == 0 ? 9 : 7); ++pos)
        for (int32_t i = 0; i < c.kv_dim(); ++i) {
          cache.key(layer, seq, pos)[i] =
              static_cast<float>(layer * 100000 + seq * 10000 + pos * 100 + i);
          cache.value(layer, seq, pos)[i] =
              -static_cast<float>(layer * 100000 + seq * 10000 + pos * 100 + i);
        }
  for (int32_t layer = 0; layer < 2; ++layer)
    for (int32_t seq = 0; seq < 2; ++seq)
      for (int32_t pos = 0; pos < (seq == 0 ? 9 : 7); ++pos)
        for (int32_t i = 0; i < c.kv_dim(); ++i) {
          ASSERT_EQ(cache.key(layer, seq, pos)[i],
                    static_cast<float>(layer * 100000 + seq * 10000 + pos * 100 + i));
          ASSERT_EQ(cache.value(layer, seq, pos)[i],
                    -static_cast<float>(layer * 100000 + seq * 10000 + pos * 100 + i));
        }
}

TEST(KvCache, CapacityIsExactAndMemoryFollowsTheBlocksUsed) {
  const ModelConfig c = tiny_config();  // 2 layers x 16 floats of keys and of values
  KvCache cache(c, {.max_sequences = 2, .capacity = 10, .block_size = 4});
  EXPECT_EQ(KvCache::bytes_per_token(c), 2u * 16 * 2 * sizeof(float));
  EXPECT_EQ(KvCache::bytes_when_full(c, {.max_sequences = 2, .capacity = 10, .block_size = 4}),
            12 * KvCache::bytes_per_token(c));  // three blocks of four
  EXPECT_EQ(cache.capacity(), 10);
  EXPECT_EQ(cache.bytes(), 0u);  // nothing allocated before a block is used
  EXPECT_TRUE(cache.can_reserve(0, 10));
  EXPECT_FALSE(cache.can_reserve(0, 11));  // though three blocks hold 12
  cache.reserve(0, 5);
  cache.set_length(0, 5);
  EXPECT_EQ(cache.bytes(), 2 * 4 * KvCache::bytes_per_token(c));
  EXPECT_TRUE(cache.can_reserve(1, 4));  // the pool's last block
  EXPECT_FALSE(cache.can_reserve(1, 5));
  cache.reserve(1, 4);
  cache.set_length(1, 4);
  EXPECT_FALSE(cache.can_reserve(0, 2));  // its second block has room, the context has 1 token
  EXPECT_TRUE(cache.can_reserve(0, 1));
  EXPECT_THROW(cache.reserve(0, 2), Error);
  // Blocks given back are reused, not allocated again.
  cache.truncate(1, 0);
  cache.reserve(1, 4);
  EXPECT_EQ(cache.bytes(), 3 * 4 * KvCache::bytes_per_token(c));
  // A block wider than the context is cut to it.
  KvCache small(c, {.max_sequences = 1, .capacity = 5, .block_size = 4096});
  EXPECT_EQ(small.block_size(), 5);
}

TEST(KvCache, RejectsBadArguments) {
  const ModelConfig c = tiny_config();
  EXPECT_THROW(KvCache(c, {.max_sequences = 0}), Error);
  EXPECT_THROW(KvCache(c, {.max_sequences = 1, .capacity = 0}), Error);
  EXPECT_THROW(KvCache(c, {.max_sequences = 1, .capacity = 16, .block_size = 0}), Error);
  KvCache cache(c, {.max_sequences = 1, .capacity = 16, .block_size = 4});
  EXPECT_THROW(cache.reserve(1, 1), Error);
  EXPECT_THROW(cache.reserve(-1, 1), Error);
  EXPECT_THROW(cache.reserve(0, -1), Error);
  EXPECT_THROW(cache.truncate(0, 1), Error);  // longer than the sequence
}

}  // namespace
}  // namespace yak::model
