#include "runtime/grammar/mask_cache.h"

#include <algorithm>

namespace yak::grammar {

MaskCache::MaskCache(int32_t n_vocab)
    : nothing(std::make_shared<const TokenSet>(n_vocab)),
      capacity_(std::clamp(kCacheBytes / (static_cast<size_t>(n_vocab) / 8 + 64), kMinCacheEntries,
                           kMaxCacheEntries)) {}

std::shared_ptr<const TokenSet> MaskCache::find(const std::vector<uint32_t>& key, uint64_t hash) {
  std::lock_guard lock(mutex_);
  auto [lo, hi] = index_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (it->second->key == key) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->mask;
    }
  }
  return nullptr;
}

void MaskCache::insert(const std::vector<uint32_t>& key, uint64_t hash,
                       std::shared_ptr<const TokenSet> mask) {
  std::lock_guard lock(mutex_);
  auto [lo, hi] = index_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (it->second->key == key) return;  // another sequence computed it meanwhile
  }
  lru_.push_front(Entry{key, hash, std::move(mask)});
  index_.emplace(hash, lru_.begin());
  while (lru_.size() > capacity_) {
    const Lru::iterator last = std::prev(lru_.end());
    auto [a, b] = index_.equal_range(last->hash);
    for (auto it = a; it != b; ++it) {
      if (it->second == last) {
        index_.erase(it);
        break;
      }
    }
    lru_.erase(last);
  }
}

size_t MaskCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace yak::grammar
