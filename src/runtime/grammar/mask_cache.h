// Allowed-token sets by matcher state, shared by every sequence under one TokenGrammar.
// States recur (every character inside a JSON string has the same one), so most steps of a
// generation are a lookup. Bounded LRU; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "yak/grammar.h"

namespace yak::grammar {

// Masks are n_vocab bits each; the cache keeps at most this many bytes of them (and at
// least kMinCacheEntries entries, at most kMaxCacheEntries).
inline constexpr size_t kCacheBytes = size_t{32} << 20;
inline constexpr size_t kMinCacheEntries = 64;
inline constexpr size_t kMaxCacheEntries = 8192;

struct MaskCache {
  explicit MaskCache(int32_t n_vocab);

  // The mask of the state whose canonical words are `key` (hash `hash`), or null.
  std::shared_ptr<const TokenSet> find(const std::vector<uint32_t>& key, uint64_t hash);
  void insert(const std::vector<uint32_t>& key, uint64_t hash,
              std::shared_ptr<const TokenSet> mask);
  size_t size() const;
  size_t capacity() const { return capacity_; }

  const std::shared_ptr<const TokenSet> nothing;  // what is allowed after the end
  std::atomic<int64_t> masks{0};
  std::atomic<int64_t> hits{0};
  std::atomic<int64_t> nanoseconds{0};

 private:
  struct Entry {
    std::vector<uint32_t> key;
    uint64_t hash;
    std::shared_ptr<const TokenSet> mask;
  };
  using Lru = std::list<Entry>;  // most recently used first

  mutable std::mutex mutex_;
  Lru lru_;
  std::unordered_multimap<uint64_t, Lru::iterator> index_;
  size_t capacity_;
};

}  // namespace yak::grammar
