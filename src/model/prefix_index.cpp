#include "model/prefix_index.h"

#include <algorithm>
#include <new>

#include "core/error.h"

namespace yak::model {
namespace {

// MurmurHash3's 64-bit finaliser: a bijection whose every output bit depends
// on every input bit.
uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

uint64_t default_block_hash(uint64_t parent_key, std::span<const int32_t> tokens) {
  constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
  uint64_t h = mix64(parent_key ^ kGolden);
  for (const int32_t token : tokens)
    h = mix64(h ^ ((static_cast<uint64_t>(static_cast<uint32_t>(token)) + 1) * kGolden));
  return mix64(h ^ tokens.size());
}

PrefixIndex::PrefixIndex(BlockHash hash) : hash_(hash != nullptr ? hash : default_block_hash) {}

void PrefixIndex::reserve_blocks(size_t n_blocks) {
  if (n_blocks <= entries_.size()) return;
  if (n_blocks > entries_.capacity()) entries_.reserve(std::max(n_blocks, 2 * entries_.capacity()));
  entries_.resize(n_blocks);
}

PrefixIndex::Entry& PrefixIndex::entry(int32_t block) {
  YAK_CHECK(block >= 0 && static_cast<size_t>(block) < entries_.size());
  return entries_[static_cast<size_t>(block)];
}

const PrefixIndex::Entry* PrefixIndex::find_entry(int32_t block) const {
  if (block < 0 || static_cast<size_t>(block) >= entries_.size()) return nullptr;
  return &entries_[static_cast<size_t>(block)];
}

bool PrefixIndex::insert(int32_t block, uint64_t key, uint64_t parent_key, BlockRef parent,
                         std::span<const int32_t> tokens) {
  Entry& e = entry(block);
  YAK_CHECK(!e.keyed);
  try {
    if (!by_key_.try_emplace(key, block).second) return false;
  } catch (const std::bad_alloc&) {
    return false;
  }
  try {
    e.tokens.assign(tokens.begin(), tokens.end());
  } catch (const std::bad_alloc&) {
    by_key_.erase(key);
    return false;
  }
  e.keyed = true;
  e.key = key;
  e.parent_key = parent_key;
  e.parent = parent;
  return true;
}

int32_t PrefixIndex::find(uint64_t key, uint64_t parent_key, BlockRef parent,
                          std::span<const int32_t> tokens) const {
  const auto it = by_key_.find(key);
  if (it == by_key_.end()) return -1;
  const Entry& e = entries_[static_cast<size_t>(it->second)];
  const bool same = e.parent_key == parent_key && e.parent == parent &&
                    std::equal(e.tokens.begin(), e.tokens.end(), tokens.begin(), tokens.end());
  return same ? it->second : -1;
}

bool PrefixIndex::keyed(int32_t block) const {
  const Entry* e = find_entry(block);
  return e != nullptr && e->keyed;
}

bool PrefixIndex::keyed_as(int32_t block, uint64_t key) const {
  const Entry* e = find_entry(block);
  return e != nullptr && e->keyed && e->key == key;
}

void PrefixIndex::erase(int32_t block) {
  Entry& e = entry(block);
  YAK_CHECK(e.keyed && !e.unused);
  by_key_.erase(e.key);
  e.keyed = false;
}

void PrefixIndex::add_unused(int32_t block) {
  Entry& e = entry(block);
  YAK_CHECK(e.keyed && !e.unused);
  e.unused = true;
  e.prev = most_recent_;
  e.next = -1;
  if (most_recent_ >= 0)
    entry(most_recent_).next = block;
  else
    least_recent_ = block;
  most_recent_ = block;
  ++unused_;
}

void PrefixIndex::remove_unused(int32_t block) {
  Entry& e = entry(block);
  YAK_CHECK(e.unused);
  if (e.prev >= 0)
    entry(e.prev).next = e.next;
  else
    least_recent_ = e.next;
  if (e.next >= 0)
    entry(e.next).prev = e.prev;
  else
    most_recent_ = e.prev;
  e.unused = false;
  e.prev = e.next = -1;
  --unused_;
}

int32_t PrefixIndex::evict_least_recent() {
  const int32_t block = least_recent_;
  if (block < 0) return -1;
  remove_unused(block);
  erase(block);
  return block;
}

}  // namespace yak::model
