#include "model/kv_cache.h"

#include <algorithm>
#include <limits>
#include <new>

#include "core/error.h"
#include "core/system_memory.h"

namespace yak::model {
namespace {

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a)
    return std::numeric_limits<uint64_t>::max();
  return a * b;
}

}  // namespace

uint64_t KvCache::bytes_per_token(const ModelConfig& c) {
  return saturating_mul(saturating_mul(static_cast<uint64_t>(c.n_layer), c.kv_dim()),
                        2 * sizeof(float));
}

uint64_t KvCache::bytes_when_full(const ModelConfig& c, const KvCacheOptions& o) {
  const int64_t bs = std::clamp<int64_t>(o.block_size, 1, std::max(o.capacity, 1));
  const int64_t blocks = (static_cast<int64_t>(std::max(o.capacity, 0)) + bs - 1) / bs;
  return saturating_mul(bytes_per_token(c), static_cast<uint64_t>(blocks * bs));
}

KvCache::KvCache(const ModelConfig& config, const KvCacheOptions& options)
    : n_layer_(config.n_layer), kv_dim_(config.kv_dim()), capacity_(options.capacity) {
  if (options.max_sequences < 1 || options.max_sequences > 65536)
    fail("the number of sequences {} is out of range [1, 65536]", options.max_sequences);
  if (options.block_size < 1 || options.block_size > 4096)
    fail("the KV block size {} is out of range [1, 4096]", options.block_size);
  if (options.capacity < 1) fail("the context size {} must be at least 1 token", options.capacity);
  // A block wider than the whole context would only hold slots nobody may use.
  block_size_ = std::min(options.block_size, options.capacity);
  n_blocks_ =
      static_cast<int32_t>((static_cast<int64_t>(capacity_) + block_size_ - 1) / block_size_);
  floats_per_block_ = 2 * static_cast<size_t>(n_layer_) * static_cast<size_t>(block_size_) *
                      static_cast<size_t>(kv_dim_);
  sequences_.resize(static_cast<size_t>(options.max_sequences));
}

const KvCache::Sequence& KvCache::sequence(int32_t seq) const {
  if (seq < 0 || seq >= max_sequences())
    fail("sequence id {} is out of range [0, {})", seq, max_sequences());
  return sequences_[static_cast<size_t>(seq)];
}

KvCache::Sequence& KvCache::sequence(int32_t seq) {
  return const_cast<Sequence&>(static_cast<const KvCache*>(this)->sequence(seq));
}

int32_t KvCache::free_slots() const {
  const int64_t by_tokens = capacity_ - tokens_in_use_;
  const int64_t by_blocks = blocks_available() * block_size_;
  return static_cast<int32_t>(std::max<int64_t>(0, std::min(by_tokens, by_blocks)));
}

int64_t KvCache::blocks_needed(int32_t seq, int32_t n) const {
  const Sequence& s = sequence(seq);
  if (n < 0) fail("KV cache: cannot reserve {} positions", n);
  const int64_t needed_len = static_cast<int64_t>(s.length) + n;
  const int64_t needed_blocks = (needed_len + block_size_ - 1) / block_size_;
  return std::max<int64_t>(0, needed_blocks - static_cast<int64_t>(s.blocks.size()));
}

int64_t KvCache::tokens_added(int32_t seq, int32_t n) const {
  const Sequence& s = sequence(seq);
  return std::max<int64_t>(0, static_cast<int64_t>(s.length) + n - s.reserved);
}

bool KvCache::can_reserve(int32_t seq, int32_t n) const {
  return blocks_needed(seq, n) <= blocks_available() &&
         tokens_in_use_ + tokens_added(seq, n) <= capacity_;
}

void KvCache::reserve(int32_t seq, int32_t n) {
  const int64_t extra = blocks_needed(seq, n);
  const int64_t added = tokens_added(seq, n);
  Sequence& s = sequence(seq);
  if (extra == 0 && added == 0) return;
  if (extra > blocks_available() || tokens_in_use_ + added > capacity_)
    fail("KV cache is full: sequence {} needs {} more tokens but only {} of {} are free", seq, n,
         free_slots(), capacity());
  // Allocate every new block before taking any, so a failure changes nothing.
  const int64_t recycled = std::min<int64_t>(extra, static_cast<int64_t>(free_blocks_.size()));
  const size_t first_new = blocks_.size();
  try {
    for (int64_t i = recycled; i < extra; ++i)
      blocks_.emplace_back(new float[floats_per_block_]);  // uninitialised on purpose
  } catch (const std::bad_alloc&) {
    blocks_.resize(first_new);
    fail("out of memory for the KV cache: {} more blocks of {} each", extra - recycled,
         format_bytes(block_bytes()));
  }
  for (int64_t i = 0; i < recycled; ++i) {
    s.blocks.push_back(free_blocks_.back());
    free_blocks_.pop_back();
  }
  for (size_t b = first_new; b < blocks_.size(); ++b) s.blocks.push_back(static_cast<int32_t>(b));
  s.reserved += static_cast<int32_t>(added);
  tokens_in_use_ += added;
}

void KvCache::set_length(int32_t seq, int32_t new_length) {
  Sequence& s = sequence(seq);
  YAK_CHECK(new_length >= 0 && new_length <= s.reserved);
  s.length = new_length;
}

void KvCache::truncate(int32_t seq, int32_t new_length) {
  Sequence& s = sequence(seq);
  if (new_length < 0 || new_length > s.length)
    fail("cannot truncate sequence {} of length {} to {}", seq, s.length, new_length);
  s.length = new_length;
  tokens_in_use_ -= s.reserved - new_length;
  s.reserved = new_length;
  const size_t keep = static_cast<size_t>((new_length + block_size_ - 1) / block_size_);
  while (s.blocks.size() > keep) {
    free_blocks_.push_back(s.blocks.back());
    s.blocks.pop_back();
  }
}

float* KvCache::slot(int kind, int32_t layer, int32_t seq, int32_t pos) {
  const Sequence& s = sequence(seq);
  YAK_CHECK(layer >= 0 && layer < n_layer_);
  YAK_CHECK(pos >= 0 && static_cast<size_t>(pos / block_size_) < s.blocks.size());
  float* block =
      blocks_[static_cast<size_t>(s.blocks[static_cast<size_t>(pos / block_size_)])].get();
  const int64_t index =
      ((static_cast<int64_t>(kind) * n_layer_ + layer) * block_size_ + pos % block_size_) * kv_dim_;
  return block + index;
}

}  // namespace yak::model
