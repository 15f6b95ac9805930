#include "runtime/grammar/mask_cache.h"

#include <algorithm>

namespace yak::grammar {

namespace {

size_t entries_for(int32_t n_vocab) {
  return std::clamp(kCacheBytes / (static_cast<size_t>(n_vocab) / 8 + 64), kMinCacheEntries,
                    kMaxCacheEntries);
}

}  // namespace

MaskCache::MaskCache(int32_t n_vocab)
    : states(entries_for(n_vocab)),
      frames(entries_for(n_vocab)),
      nothing(std::make_shared<const TokenSet>(n_vocab)) {}

}  // namespace yak::grammar
