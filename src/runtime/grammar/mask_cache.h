// What mask computation remembers, shared by every sequence under one TokenGrammar:
//  - by state: the allowed tokens of a whole matcher state. States recur (every character
//    inside a JSON string has the same one), so most steps of a generation are a lookup.
//  - by frame: for the top few positions of a parse stack (a "frame", such as the inside
//    of a string), the tokens it takes without leaving the frame and the trie nodes where
//    a token leaves it. A frame is the same wherever it is nested, so a state never seen
//    before (a string at a new depth) mostly reuses the work of earlier ones.
// Both are bounded LRUs; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/grammar/lru_cache.h"
#include "yak/grammar.h"

namespace yak::grammar {

// Masks are n_vocab bits each; each cache keeps at most this many bytes of them (and at
// least kMinCacheEntries entries, at most kMaxCacheEntries).
inline constexpr size_t kCacheBytes = size_t{16} << 20;
inline constexpr size_t kMinCacheEntries = 64;
inline constexpr size_t kMaxCacheEntries = 8192;

struct FrameMask {
  TokenSet accepted;            // tokens taken inside the frame, or ending where it exits
  std::vector<uint32_t> exits;  // trie nodes where some derivation leaves the frame
};

struct MaskCache {
  explicit MaskCache(int32_t n_vocab);

  LruCache<TokenSet> states;
  LruCache<FrameMask> frames;
  const std::shared_ptr<const TokenSet> nothing;  // what is allowed after the end
  std::atomic<int64_t> masks{0};
  std::atomic<int64_t> hits{0};
  std::atomic<int64_t> nanoseconds{0};
};

}  // namespace yak::grammar
