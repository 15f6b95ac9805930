#include "model/kv_cache.h"

#include <algorithm>

#include "core/error.h"

namespace yak::model {

KvCache::KvCache(const ModelConfig& config, const KvCacheOptions& options)
    : n_layer_(config.n_layer), kv_dim_(config.kv_dim()), block_size_(options.block_size) {
  if (options.max_sequences < 1 || options.max_sequences > 65536)
    fail("KV cache: max_sequences {} is out of range [1, 65536]", options.max_sequences);
  if (options.block_size < 1 || options.block_size > 4096)
    fail("KV cache: block_size {} is out of range [1, 4096]", options.block_size);
  if (options.capacity < 1 || options.capacity > (1 << 26))
    fail("KV cache: capacity {} is out of range", options.capacity);
  n_blocks_ = (options.capacity + block_size_ - 1) / block_size_;
  const size_t floats = static_cast<size_t>(n_layer_) * static_cast<size_t>(n_blocks_) *
                        static_cast<size_t>(block_size_) * static_cast<size_t>(kv_dim_);
  floats_per_store_ = floats;
  keys_.reset(new float[floats]);
  values_.reset(new float[floats]);
  sequences_.resize(static_cast<size_t>(options.max_sequences));
  free_blocks_.reserve(static_cast<size_t>(n_blocks_));
  // Handed out from the back: low block indices first.
  for (int32_t b = n_blocks_ - 1; b >= 0; --b) free_blocks_.push_back(b);
}

const KvCache::Sequence& KvCache::sequence(int32_t seq) const {
  if (seq < 0 || seq >= max_sequences())
    fail("sequence id {} is out of range [0, {})", seq, max_sequences());
  return sequences_[static_cast<size_t>(seq)];
}

KvCache::Sequence& KvCache::sequence(int32_t seq) {
  return const_cast<Sequence&>(static_cast<const KvCache*>(this)->sequence(seq));
}

int64_t KvCache::blocks_needed(int32_t seq, int32_t n) const {
  const Sequence& s = sequence(seq);
  if (n < 0) fail("KV cache: cannot reserve {} positions", n);
  const int64_t needed_len = static_cast<int64_t>(s.length) + n;
  const int64_t needed_blocks = (needed_len + block_size_ - 1) / block_size_;
  return std::max<int64_t>(0, needed_blocks - static_cast<int64_t>(s.blocks.size()));
}

void KvCache::reserve(int32_t seq, int32_t n) {
  const int64_t extra = blocks_needed(seq, n);
  Sequence& s = sequence(seq);
  if (extra == 0) return;
  if (extra > static_cast<int64_t>(free_blocks_.size()))
    fail("KV cache is full: sequence {} needs {} more tokens but only {} of {} slots are free", seq,
         n, free_slots(), capacity());
  for (int64_t i = 0; i < extra; ++i) {
    s.blocks.push_back(free_blocks_.back());
    free_blocks_.pop_back();
  }
}

void KvCache::set_length(int32_t seq, int32_t new_length) {
  Sequence& s = sequence(seq);
  YAK_CHECK(new_length >= 0 && static_cast<int64_t>(new_length) <=
                                   static_cast<int64_t>(s.blocks.size()) * block_size_);
  s.length = new_length;
}

void KvCache::truncate(int32_t seq, int32_t new_length) {
  Sequence& s = sequence(seq);
  if (new_length < 0 || new_length > s.length)
    fail("cannot truncate sequence {} of length {} to {}", seq, s.length, new_length);
  s.length = new_length;
  const size_t keep = static_cast<size_t>((new_length + block_size_ - 1) / block_size_);
  while (s.blocks.size() > keep) {
    free_blocks_.push_back(s.blocks.back());
    s.blocks.pop_back();
  }
}

float* KvCache::slot(float* store, int32_t layer, int32_t seq, int32_t pos) {
  const Sequence& s = sequence(seq);
  YAK_CHECK(layer >= 0 && layer < n_layer_);
  YAK_CHECK(pos >= 0 && static_cast<size_t>(pos / block_size_) < s.blocks.size());
  const int64_t block = s.blocks[static_cast<size_t>(pos / block_size_)];
  const int64_t index =
      ((static_cast<int64_t>(layer) * n_blocks_ + block) * block_size_ + pos % block_size_) *
      kv_dim_;
  return store + index;
}

}  // namespace yak::model
