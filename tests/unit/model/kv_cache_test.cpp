#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <numeric>

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

// What a forward pass would store for `token` at `pos`: distinct per layer,
// element, key or value.
float stored(int32_t token, int32_t pos, int32_t layer, int32_t i, bool value) {
  const float f = static_cast<float>(token * 1000 + pos * 10 + layer) + static_cast<float>(i) / 64;
  return value ? -f : f;
}

// Runs `tokens` into a sequence the way Context::decode does: reserve, write
// every slot, commit.
void append(KvCache& cache, int32_t seq, const std::vector<int32_t>& tokens) {
  const ModelConfig c = tiny_config();
  const int32_t start = cache.length(seq);
  cache.reserve(seq, static_cast<int32_t>(tokens.size()));
  for (size_t t = 0; t < tokens.size(); ++t) {
    const int32_t pos = start + static_cast<int32_t>(t);
    for (int32_t layer = 0; layer < c.n_layer; ++layer)
      for (int32_t i = 0; i < c.kv_dim(); ++i) {
        cache.key(layer, seq, pos)[i] = stored(tokens[t], pos, layer, i, false);
        cache.value(layer, seq, pos)[i] = stored(tokens[t], pos, layer, i, true);
      }
  }
  cache.commit(seq, tokens);
}

// Whether the sequence's stored keys and values are those of `tokens`.
bool holds(const KvCache& cache, int32_t seq, const std::vector<int32_t>& tokens) {
  const ModelConfig c = tiny_config();
  if (cache.length(seq) != static_cast<int32_t>(tokens.size())) return false;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const auto pos = static_cast<int32_t>(t);
    for (int32_t layer = 0; layer < c.n_layer; ++layer)
      for (int32_t i = 0; i < c.kv_dim(); ++i)
        if (cache.key(layer, seq, pos)[i] != stored(tokens[t], pos, layer, i, false) ||
            cache.value(layer, seq, pos)[i] != stored(tokens[t], pos, layer, i, true))
          return false;
  }
  return true;
}

std::vector<int32_t> range(int32_t first, int32_t n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(KvCache, SequencesTakeAndReturnBlocks) {
  KvCache cache(tiny_config(), {.max_sequences = 3, .capacity = 64, .block_size = 16});
  const int32_t a = cache.add_sequence(), b = cache.add_sequence(), c = cache.add_sequence();
  EXPECT_EQ(cache.total_blocks(), 4);
  EXPECT_EQ(cache.free_blocks(), 4);
  cache.reserve(a, 17);  // two blocks
  EXPECT_EQ(cache.used_blocks(), 2);
  cache.commit(a, range(0, 17));
  cache.reserve(b, 16);
  cache.commit(b, range(0, 16));
  EXPECT_EQ(cache.free_blocks(), 1);
  EXPECT_EQ(cache.blocks_needed(a, 15), 0);  // fits in its second block
  EXPECT_TRUE(cache.can_reserve(a, 15));
  EXPECT_TRUE(cache.can_reserve(c, 16));
  EXPECT_FALSE(cache.can_reserve(c, 17));
  EXPECT_THROW(cache.reserve(c, 17), Error);
  EXPECT_EQ(cache.free_blocks(), 1);  // a failed reserve takes nothing
  EXPECT_EQ(cache.length(c), 0);
  cache.truncate(a, 16);
  EXPECT_EQ(cache.free_blocks(), 2);
  cache.clear(b);
  EXPECT_EQ(cache.free_blocks(), 3);
  EXPECT_EQ(cache.length(a), 16);
}

TEST(KvCache, SequenceIdsAreHandedOutAndTakenBack) {
  KvCache cache(tiny_config(), {.max_sequences = 2, .capacity = 32, .block_size = 4});
  const int32_t a = cache.add_sequence(), b = cache.add_sequence();
  EXPECT_EQ(cache.live_sequences(), 2);
  EXPECT_THROW(cache.add_sequence(), Error);
  EXPECT_THROW(cache.fork(a), Error);
  append(cache, b, range(0, 6));
  cache.remove_sequence(b);
  EXPECT_FALSE(cache.alive(b));
  EXPECT_EQ(cache.used_blocks(), 0);
  EXPECT_THROW(cache.length(b), Error);
  EXPECT_THROW(cache.reserve(b, 1), Error);
  EXPECT_THROW(cache.remove_sequence(b), Error);
  EXPECT_EQ(cache.add_sequence(), b);  // the id comes back, empty
  EXPECT_EQ(cache.length(b), 0);
}

TEST(KvCache, SlotsOfDifferentSequencesAndLayersDoNotOverlap) {
  KvCache cache(tiny_config(), {.max_sequences = 2, .capacity = 32, .block_size = 4});
  const int32_t a = cache.add_sequence(), b = cache.add_sequence();
  append(cache, a, range(100, 9));
  append(cache, b, range(200, 7));
  EXPECT_TRUE(holds(cache, a, range(100, 9)));
  EXPECT_TRUE(holds(cache, b, range(200, 7)));
}

TEST(KvCache, ThePoolIsWholeBlocksAndMemoryFollowsTheBlocksUsed) {
  const ModelConfig c = tiny_config();  // 2 layers x 16 floats of keys and of values
  const KvCacheOptions options{.max_sequences = 2, .capacity = 10, .block_size = 4};
  KvCache cache(c, options);
  const int32_t a = cache.add_sequence(), b = cache.add_sequence();
  EXPECT_EQ(KvCache::bytes_per_token(c), 2u * 16 * 2 * sizeof(float));
  EXPECT_EQ(KvCache::bytes_when_full(c, options), 12 * KvCache::bytes_per_token(c));
  EXPECT_EQ(cache.capacity(), 12);  // three blocks of four
  EXPECT_EQ(cache.bytes(), 0u);     // nothing allocated before a block is used
  EXPECT_TRUE(cache.can_reserve(a, 12));
  EXPECT_FALSE(cache.can_reserve(a, 13));
  append(cache, a, range(0, 5));
  EXPECT_EQ(cache.bytes(), 2 * 4 * KvCache::bytes_per_token(c));
  EXPECT_TRUE(cache.can_reserve(b, 4));  // the pool's last block
  EXPECT_FALSE(cache.can_reserve(b, 5));
  append(cache, b, range(0, 4));
  EXPECT_TRUE(cache.can_reserve(a, 3));  // its second block has room
  EXPECT_FALSE(cache.can_reserve(a, 4));
  EXPECT_THROW(cache.reserve(a, 4), Error);
  // Blocks given back are reused, not allocated again.
  cache.truncate(b, 0);
  append(cache, b, range(0, 4));
  EXPECT_EQ(cache.bytes(), 3 * 4 * KvCache::bytes_per_token(c));
  // A block wider than the pool is cut to it.
  KvCache small(c, {.max_sequences = 1, .capacity = 5, .block_size = 4096});
  EXPECT_EQ(small.block_size(), 5);
}

TEST(KvCache, RejectsBadArguments) {
  const ModelConfig c = tiny_config();
  EXPECT_THROW(KvCache(c, {.max_sequences = 0}), Error);
  EXPECT_THROW(KvCache(c, {.max_sequences = 1, .capacity = 0}), Error);
  EXPECT_THROW(KvCache(c, {.max_sequences = 1, .capacity = 16, .block_size = 0}), Error);
  KvCache cache(c, {.max_sequences = 1, .capacity = 16, .block_size = 4});
  const int32_t a = cache.add_sequence();
  EXPECT_THROW(cache.reserve(1, 1), Error);
  EXPECT_THROW(cache.reserve(-1, 1), Error);
  EXPECT_THROW(cache.reserve(a, -1), Error);
  EXPECT_THROW(cache.truncate(a, 1), Error);  // longer than the sequence
  EXPECT_THROW(cache.blocks_needed(a, -1), Error);
}

// ---- Forks and copy on write ----

TEST(KvCacheFork, AForkSharesEveryBlockAndCountsIt) {
  KvCache cache(tiny_config(), {.max_sequences = 3, .capacity = 64, .block_size = 8});
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 20));  // blocks of 8, 8 and 4 tokens
  const int32_t b = cache.fork(a);
  EXPECT_EQ(cache.length(b), 20);
  EXPECT_EQ(cache.used_blocks(), 3);
  for (int32_t pos : {0, 8, 16}) {
    EXPECT_EQ(cache.block_at(a, pos), cache.block_at(b, pos));
    EXPECT_EQ(cache.refs(cache.block_at(a, pos)), 2);
  }
  EXPECT_TRUE(holds(cache, b, range(0, 20)));
  // Writing into the shared partly filled block takes a copy of it.
  EXPECT_EQ(cache.blocks_needed(b, 1), 1);
  EXPECT_EQ(cache.blocks_needed(b, 12), 2);
  EXPECT_EQ(cache.blocks_needed(b, 0), 0);
  const int32_t c = cache.fork(b);
  EXPECT_EQ(cache.refs(cache.block_at(a, 0)), 3);
  cache.remove_sequence(c);
  EXPECT_EQ(cache.refs(cache.block_at(a, 0)), 2);
  EXPECT_EQ(cache.used_blocks(), 3);
}

TEST(KvCacheFork, WritesGoToAPrivateCopyAndLeaveTheOtherSequenceAlone) {
  KvCache cache(tiny_config(), {.max_sequences = 2, .capacity = 64, .block_size = 8});
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 20));
  const int32_t b = cache.fork(a);
  const int32_t shared = cache.block_at(a, 16);
  append(cache, b, range(500, 3));
  EXPECT_NE(cache.block_at(b, 16), shared);               // b copied the partly filled block
  EXPECT_EQ(cache.block_at(b, 8), cache.block_at(a, 8));  // full blocks stay shared
  EXPECT_EQ(cache.refs(shared), 1);
  EXPECT_EQ(cache.used_blocks(), 4);
  EXPECT_TRUE(holds(cache, b, concat(range(0, 20), range(500, 3))));
  EXPECT_TRUE(holds(cache, a, range(0, 20)));
  // a now holds its block alone: it writes in place.
  EXPECT_EQ(cache.blocks_needed(a, 4), 0);
  append(cache, a, range(900, 4));
  EXPECT_EQ(cache.block_at(a, 16), shared);
  EXPECT_TRUE(holds(cache, a, concat(range(0, 20), range(900, 4))));
  EXPECT_TRUE(holds(cache, b, concat(range(0, 20), range(500, 3))));
  // A fork of a sequence at a block boundary copies nothing.
  cache.remove_sequence(b);
  const int32_t c = cache.fork(a);  // 24 tokens: three full blocks
  EXPECT_EQ(cache.blocks_needed(c, 1), 1);
  const int64_t used = cache.used_blocks();
  append(cache, c, {7});
  EXPECT_EQ(cache.used_blocks(), used + 1);
}

TEST(KvCacheFork, SeveralWritersOfOneBlockInOneReservation) {
  KvCache cache(tiny_config(), {.max_sequences = 3, .capacity = 40, .block_size = 8});
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 4));
  const int32_t b = cache.fork(a), c = cache.fork(a);
  const int32_t shared = cache.block_at(a, 0);
  EXPECT_EQ(cache.refs(shared), 3);
  // Two copies; the last writer has the block to itself by then.
  const KvCache::Reservation all[] = {{a, 1}, {b, 1}, {c, 1}};
  cache.reserve(all);
  EXPECT_EQ(cache.used_blocks(), 3);
  EXPECT_EQ(cache.refs(shared), 1);
  EXPECT_EQ(cache.block_at(c, 0), shared);
  EXPECT_NE(cache.block_at(a, 0), cache.block_at(b, 0));
  EXPECT_NE(cache.block_at(a, 0), shared);
  EXPECT_TRUE(holds(cache, a, range(0, 4)) && holds(cache, b, range(0, 4)) &&
              holds(cache, c, range(0, 4)));
}

TEST(KvCacheFork, AFailedReserveChangesNothing) {
  KvCache cache(tiny_config(), {.max_sequences = 3, .capacity = 24, .block_size = 8});
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 12));
  const int32_t b = cache.fork(a);
  const int32_t c = cache.add_sequence();
  append(cache, c, range(50, 8));  // the pool is full
  EXPECT_EQ(cache.free_blocks(), 0);
  EXPECT_FALSE(cache.can_reserve(b, 1));  // the copy has no room
  EXPECT_TRUE(cache.can_reserve(b, 0));
  EXPECT_THROW(cache.reserve(b, 1), Error);
  // Of several reservations, one that cannot fit stops them all.
  cache.truncate(c, 0);
  EXPECT_EQ(cache.free_blocks(), 1);
  const KvCache::Reservation two[] = {{b, 1}, {a, 5}};  // a copy, then a new block for a
  EXPECT_THROW(cache.reserve(two), Error);
  EXPECT_EQ(cache.used_blocks(), 2);
  EXPECT_EQ(cache.block_at(a, 8), cache.block_at(b, 8));
  EXPECT_EQ(cache.refs(cache.block_at(a, 8)), 2);
  EXPECT_EQ(cache.length(a), 12);
  EXPECT_EQ(cache.length(b), 12);
  EXPECT_TRUE(holds(cache, a, range(0, 12)));
  // One of them fits.
  append(cache, b, {99});
  EXPECT_TRUE(holds(cache, b, concat(range(0, 12), {99})));
  EXPECT_TRUE(holds(cache, a, range(0, 12)));
}

TEST(KvCacheFork, TruncatingIntoASharedBlockCopiesItOnTheNextWrite) {
  KvCache cache(tiny_config(), {.max_sequences = 2, .capacity = 64, .block_size = 8});
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 20));
  const int32_t b = cache.fork(a);
  cache.truncate(b, 10);                            // back into the second block, full in a
  EXPECT_EQ(cache.refs(cache.block_at(a, 16)), 1);  // b let go of the third
  const int32_t second = cache.block_at(a, 8);
  EXPECT_EQ(cache.refs(second), 2);
  EXPECT_EQ(cache.blocks_needed(b, 1), 1);
  append(cache, b, range(300, 3));
  EXPECT_NE(cache.block_at(b, 8), second);
  EXPECT_TRUE(holds(cache, a, range(0, 20)));
  EXPECT_TRUE(holds(cache, b, concat(range(0, 10), range(300, 3))));
}

// ---- Prefix caching ----

KvCacheOptions caching(int32_t max_sequences, int32_t capacity, int32_t block_size,
                       BlockHash hash = nullptr) {
  return {.max_sequences = max_sequences,
          .capacity = capacity,
          .block_size = block_size,
          .prefix_caching = true,
          .block_hash = hash};
}

TEST(PrefixCache, FullBlocksOutliveTheirSequenceAndAreAttached) {
  KvCache cache(tiny_config(), caching(2, 64, 8));
  const int32_t a = cache.add_sequence();
  const std::vector<int32_t> prompt = range(10, 20);
  append(cache, a, prompt);
  EXPECT_TRUE(cache.keyed(cache.block_at(a, 0)));
  EXPECT_TRUE(cache.keyed(cache.block_at(a, 8)));
  EXPECT_FALSE(cache.keyed(cache.block_at(a, 16)));  // not full
  cache.remove_sequence(a);
  EXPECT_EQ(cache.used_blocks(), 0);
  EXPECT_EQ(cache.cached_blocks(), 2);
  EXPECT_EQ(cache.free_blocks(), 8);  // cached blocks count as free

  // The same prompt: both full blocks; a longer one: the same.
  const int32_t b = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(b, prompt), 16);
  EXPECT_EQ(cache.cached_blocks(), 0);
  EXPECT_EQ(cache.used_blocks(), 2);
  EXPECT_TRUE(holds(cache, b, range(10, 16)));
  append(cache, b, range(26, 4));
  EXPECT_TRUE(holds(cache, b, range(10, 20)));
  EXPECT_THROW(cache.attach_cached_prefix(b, prompt), Error);  // not empty
  const int32_t c = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(c, concat(range(10, 16), range(0, 30))), 16);
  EXPECT_EQ(cache.refs(cache.block_at(c, 0)), 2);
  EXPECT_EQ(cache.prefix_queried_tokens(), 20 + 46);
  EXPECT_EQ(cache.prefix_hit_tokens(), 32);
}

TEST(PrefixCache, NeverAttachesAllTheTokensAndStopsAtTheFirstMiss) {
  KvCache cache(tiny_config(), caching(2, 64, 8));
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 24));  // three full blocks
  cache.remove_sequence(a);
  int32_t b = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(b, range(0, 24)), 16);  // one token is left to run
  cache.remove_sequence(b);
  EXPECT_EQ(cache.attach_cached_prefix(b = cache.add_sequence(), range(0, 25)), 24);
  cache.remove_sequence(b);
  EXPECT_EQ(cache.attach_cached_prefix(b = cache.add_sequence(), range(0, 8)), 0);
  // A different second block: the third, though cached, follows other tokens.
  std::vector<int32_t> other = range(0, 25);
  other[9] = 77;
  EXPECT_EQ(cache.attach_cached_prefix(b, other), 8);
  cache.remove_sequence(b);
  EXPECT_EQ(cache.attach_cached_prefix(b = cache.add_sequence(), {}), 0);
  EXPECT_EQ(cache.attach_cached_prefix(b, std::vector<int32_t>{5}), 0);
}

TEST(PrefixCache, OffByDefault) {
  KvCache cache(tiny_config(), {.max_sequences = 2, .capacity = 64, .block_size = 8});
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 20));
  EXPECT_FALSE(cache.keyed(cache.block_at(a, 0)));
  cache.remove_sequence(a);
  EXPECT_EQ(cache.cached_blocks(), 0);
  EXPECT_EQ(cache.attach_cached_prefix(cache.add_sequence(), range(0, 20)), 0);
  EXPECT_EQ(cache.prefix_queried_tokens(), 0);
}

TEST(PrefixCache, EvictsTheLeastRecentlyUsedAndLaterBlocksOfAChainFirst) {
  KvCache cache(tiny_config(), caching(2, 32, 4));  // 8 blocks
  int32_t a = cache.add_sequence();
  append(cache, a, range(0, 8));  // blocks A0 A1
  const int32_t a0 = cache.block_at(a, 0), a1 = cache.block_at(a, 4);
  cache.remove_sequence(a);
  append(cache, a = cache.add_sequence(), range(100, 8));  // B0 B1, released after A's
  const int32_t b0 = cache.block_at(a, 0), b1 = cache.block_at(a, 4);
  cache.remove_sequence(a);
  EXPECT_EQ(cache.cached_blocks(), 4);
  EXPECT_EQ(cache.bytes(), 4 * 4 * KvCache::bytes_per_token(tiny_config()));
  // Use A again: it becomes the most recently used.
  EXPECT_EQ(cache.attach_cached_prefix(a = cache.add_sequence(), range(0, 9)), 8);
  cache.remove_sequence(a);
  // Never-used blocks are taken before any cached one is evicted...
  const int32_t s = cache.add_sequence();
  cache.reserve(s, 16);
  EXPECT_EQ(cache.cached_blocks(), 4);
  // ...then the least recently used, the last of its chain first: B1, B0, A1.
  cache.truncate(s, 0);
  const int64_t bytes = cache.bytes();
  cache.reserve(s, 20);             // the four new blocks are free again, one more is evicted
  EXPECT_EQ(cache.bytes(), bytes);  // evicted blocks are reused, not allocated
  EXPECT_FALSE(cache.keyed(b1));
  EXPECT_TRUE(cache.keyed(b0) && cache.keyed(a1) && cache.keyed(a0));
  cache.truncate(s, 0);
  cache.reserve(s, 24);
  EXPECT_FALSE(cache.keyed(b0));
  EXPECT_FALSE(cache.keyed(b1));
  EXPECT_TRUE(cache.keyed(a1) && cache.keyed(a0));
  EXPECT_EQ(cache.cached_blocks(), 1 + 1);
  cache.truncate(s, 0);
  cache.reserve(s, 32);  // the whole pool
  EXPECT_EQ(cache.cached_blocks(), 0);
  EXPECT_EQ(cache.used_blocks(), 8);
  cache.remove_sequence(s);
  EXPECT_EQ(cache.attach_cached_prefix(cache.add_sequence(), range(0, 9)), 0);
}

TEST(PrefixCache, AFullPoolEvictsCachedBlocksForANewRequest) {
  KvCache cache(tiny_config(), caching(2, 16, 4));  // 4 blocks
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 16));
  cache.remove_sequence(a);
  EXPECT_EQ(cache.cached_blocks(), 4);
  EXPECT_EQ(cache.free_blocks(), 4);
  const int32_t b = cache.add_sequence();
  EXPECT_TRUE(cache.can_reserve(b, 16));
  append(cache, b, range(500, 10));
  EXPECT_EQ(cache.used_blocks(), 3);
  EXPECT_EQ(cache.cached_blocks(), 1);
  // The survivor is the chain's first block: still found.
  const int32_t c = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(c, range(0, 16)), 4);
  EXPECT_EQ(cache.free_blocks(), 0);
  EXPECT_TRUE(holds(cache, b, range(500, 10)));
  EXPECT_TRUE(holds(cache, c, range(0, 4)));
}

TEST(PrefixCache, ForkedAndAttachedBlocksAreCountedOnce) {
  KvCache cache(tiny_config(), caching(3, 64, 8));
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 12));
  const int32_t b = cache.fork(a);
  append(cache, b, range(40, 4));  // fills b's copy of the second block: keyed as b's tokens
  append(cache, a, range(12, 4));  // a's own, keyed as a's
  EXPECT_TRUE(cache.keyed(cache.block_at(a, 8)));
  EXPECT_TRUE(cache.keyed(cache.block_at(b, 8)));
  cache.remove_sequence(a);
  cache.remove_sequence(b);
  EXPECT_EQ(cache.used_blocks(), 0);
  EXPECT_EQ(cache.cached_blocks(), 3);  // one first block, two second ones
  const int32_t c = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(c, concat(range(0, 12), range(40, 5))), 16);
  EXPECT_TRUE(holds(cache, c, concat(range(0, 12), range(40, 4))));
  const int32_t d = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(d, range(0, 17)), 16);
  EXPECT_TRUE(holds(cache, d, range(0, 16)));
  EXPECT_EQ(cache.used_blocks(), 3);
}

TEST(PrefixCache, ABlockFilledTwiceIsKeyedOnce) {
  KvCache cache(tiny_config(), caching(2, 64, 8));
  const int32_t a = cache.add_sequence(), b = cache.add_sequence();
  append(cache, a, range(0, 8));
  append(cache, b, range(0, 8));  // computed again, alongside
  EXPECT_TRUE(cache.keyed(cache.block_at(a, 0)));
  EXPECT_FALSE(cache.keyed(cache.block_at(b, 0)));  // its key was taken
  cache.remove_sequence(b);
  EXPECT_EQ(cache.cached_blocks(), 0);  // nothing could find it
  EXPECT_EQ(cache.free_blocks(), 7);
}

// Every block collides: the stored tokens and parents decide.
uint64_t colliding_hash(uint64_t, std::span<const int32_t>) { return 42; }

TEST(PrefixCache, ACollisionNeverAttachesOtherTokens) {
  KvCache cache(tiny_config(), caching(2, 64, 8, colliding_hash));
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 16));
  EXPECT_TRUE(cache.keyed(cache.block_at(a, 0)));
  EXPECT_FALSE(cache.keyed(cache.block_at(a, 8)));  // its key is the first block's
  cache.remove_sequence(a);
  const int32_t b = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(b, range(100, 17)), 0);  // same key, other tokens
  EXPECT_EQ(cache.attach_cached_prefix(b, range(0, 17)), 8);
  EXPECT_TRUE(holds(cache, b, range(0, 8)));
}

// The key of a block depends on its first token alone: blocks with the same
// first token collide, whatever their parents.
uint64_t first_token_hash(uint64_t, std::span<const int32_t> tokens) {
  return static_cast<uint64_t>(tokens[0]);
}

TEST(PrefixCache, AChildOfARewrittenBlockIsNotFoundThroughItsOldKey) {
  KvCache cache(tiny_config(), caching(2, 64, 4, first_token_hash));
  const int32_t a = cache.add_sequence();
  const std::vector<int32_t> first = {1, 2, 3, 4}, second = {50, 51, 52, 53};
  append(cache, a, concat(first, concat(second, {9})));
  const int32_t block0 = cache.block_at(a, 0);
  // Back into the first block, then other tokens: the block is rewritten in
  // place (a holds it alone), and keyed again when full, under the same key.
  cache.truncate(a, 2);
  EXPECT_TRUE(cache.keyed(block0));  // still whole until written
  const std::vector<int32_t> rewritten = {1, 2, 7, 7};
  append(cache, a, {7, 7});
  EXPECT_EQ(cache.block_at(a, 0), block0);
  EXPECT_TRUE(cache.keyed(block0));
  EXPECT_EQ(cache.cached_blocks(), 1);  // `second`, computed after `first`
  const int32_t b = cache.add_sequence();
  // The rewritten block matches, and `second`'s key and tokens and its
  // parent's key would too; its parent's contents are not the same any more.
  EXPECT_EQ(cache.attach_cached_prefix(b, concat(rewritten, concat(second, {9}))), 4);
  EXPECT_TRUE(holds(cache, b, rewritten));
}

TEST(PrefixCache, TruncatingIntoAKeyedBlockUnkeysItOnlyWhenWritten) {
  KvCache cache(tiny_config(), caching(2, 32, 4));
  const int32_t a = cache.add_sequence();
  append(cache, a, range(0, 8));
  const int32_t block1 = cache.block_at(a, 4);
  cache.truncate(a, 6);
  // Another sequence can still attach the whole block meanwhile, and then the
  // write copies it.
  const int32_t b = cache.add_sequence();
  EXPECT_EQ(cache.attach_cached_prefix(b, range(0, 9)), 8);
  EXPECT_EQ(cache.refs(block1), 2);
  EXPECT_EQ(cache.blocks_needed(a, 1), 1);
  append(cache, a, {60});
  EXPECT_NE(cache.block_at(a, 4), block1);
  EXPECT_TRUE(cache.keyed(block1));
  EXPECT_TRUE(holds(cache, b, range(0, 8)));
  EXPECT_TRUE(holds(cache, a, concat(range(0, 6), {60})));
  // Held alone, a truncated keyed block is unkeyed, not copied, when written.
  cache.remove_sequence(a);
  cache.truncate(b, 5);
  EXPECT_EQ(cache.blocks_needed(b, 1), 0);
  append(cache, b, {61});
  EXPECT_EQ(cache.block_at(b, 4), block1);
  EXPECT_FALSE(cache.keyed(block1));
  EXPECT_TRUE(holds(cache, b, concat(range(0, 5), {61})));
}

}  // namespace
}  // namespace yak::model
