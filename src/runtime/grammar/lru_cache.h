// A bounded, thread-safe map from a key of words (a matcher state, or the top of a parse
// stack) to a shared immutable value, evicting the least recently used entry.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace yak::grammar {

template <typename Value>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const Value> find(std::span<const uint32_t> key, uint64_t hash) {
    std::lock_guard lock(mutex_);
    if (auto it = locate(key, hash); it != lru_.end()) {
      lru_.splice(lru_.begin(), lru_, it);
      return it->value;
    }
    return nullptr;
  }

  void insert(std::span<const uint32_t> key, uint64_t hash, std::shared_ptr<const Value> value) {
    std::lock_guard lock(mutex_);
    if (locate(key, hash) != lru_.end()) return;  // another sequence computed it meanwhile
    lru_.push_front(Entry{{key.begin(), key.end()}, hash, std::move(value)});
    index_.emplace(hash, lru_.begin());
    while (lru_.size() > capacity_) {
      const auto last = std::prev(lru_.end());
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

  size_t size() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
  }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::vector<uint32_t> key;
    uint64_t hash;
    std::shared_ptr<const Value> value;
  };
  using List = std::list<Entry>;  // most recently used first

  typename List::iterator locate(std::span<const uint32_t> key, uint64_t hash) {
    auto [a, b] = index_.equal_range(hash);
    for (auto it = a; it != b; ++it) {
      const std::vector<uint32_t>& k = it->second->key;
      if (std::equal(k.begin(), k.end(), key.begin(), key.end())) return it->second;
    }
    return lru_.end();
  }

  mutable std::mutex mutex_;
  List lru_;
  std::unordered_multimap<uint64_t, typename List::iterator> index_;
  size_t capacity_;
};

}  // namespace yak::grammar
