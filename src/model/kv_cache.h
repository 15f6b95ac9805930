// The key/value cache, paged: memory is a pool of fixed-size blocks of token
// slots, and each sequence owns a list of blocks (its block table). Sequences
// of different lengths share one pool without reserving a maximum length
// each, which is what lets a server hold many conversations at once and long
// contexts grow only as far as they are used.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/config.h"

namespace yak::model {

struct KvCacheOptions {
  int32_t max_sequences = 1;  // sequence ids are 0 .. max_sequences-1
  int32_t capacity = 4096;    // total token slots over all sequences
  int32_t block_size = 32;    // token slots per block
};

class KvCache {
 public:
  KvCache(const ModelConfig& config, const KvCacheOptions& options);

  int32_t max_sequences() const { return static_cast<int32_t>(sequences_.size()); }
  int32_t block_size() const { return block_size_; }
  int32_t capacity() const { return n_blocks_ * block_size_; }
  int32_t free_slots() const { return static_cast<int32_t>(free_blocks_.size()) * block_size_; }
  size_t bytes() const { return floats_per_store_ * sizeof(float) * 2; }

  // Tokens stored for a sequence (its next position).
  int32_t length(int32_t seq) const { return sequence(seq).length; }

  // Makes room for positions [length, length + n) of `seq`, taking blocks from
  // the pool; throws yak::Error when the pool is exhausted (nothing changes then).
  void reserve(int32_t seq, int32_t n);
  bool can_reserve(int32_t seq, int32_t n) const {
    return blocks_needed(seq, n) <= static_cast<int64_t>(free_blocks_.size());
  }
  // Marks positions up to new_length as written (after a forward pass).
  void set_length(int32_t seq, int32_t new_length);
  // Drops positions >= new_length, returning whole blocks to the pool.
  void truncate(int32_t seq, int32_t new_length);
  void clear(int32_t seq) { truncate(seq, 0); }

  // Storage of one token's keys / values in one layer: [n_head_kv * head_dim].
  // The position must be reserved.
  float* key(int32_t layer, int32_t seq, int32_t pos) { return slot(keys_.get(), layer, seq, pos); }
  float* value(int32_t layer, int32_t seq, int32_t pos) {
    return slot(values_.get(), layer, seq, pos);
  }
  const float* key(int32_t layer, int32_t seq, int32_t pos) const {
    return const_cast<KvCache*>(this)->key(layer, seq, pos);
  }
  const float* value(int32_t layer, int32_t seq, int32_t pos) const {
    return const_cast<KvCache*>(this)->value(layer, seq, pos);
  }

  // Contiguous run of keys/values starting at pos, up to the end of its block:
  // attention walks a sequence block by block.
  int32_t run_length(int32_t pos) const { return block_size_ - pos % block_size_; }

 private:
  struct Sequence {
    int32_t length = 0;
    std::vector<int32_t> blocks;  // block table: block index for positions [i*bs, (i+1)*bs)
  };

  // Blocks a sequence must add to hold n more tokens.
  int64_t blocks_needed(int32_t seq, int32_t n) const;
  const Sequence& sequence(int32_t seq) const;
  Sequence& sequence(int32_t seq);
  float* slot(float* store, int32_t layer, int32_t seq, int32_t pos);

  int32_t n_layer_;
  int32_t kv_dim_;
  int32_t block_size_;
  int32_t n_blocks_;
  // Left uninitialised: large allocations are mapped lazily, so memory is
  // committed only as blocks are first written, and no slot is read before
  // it is written.
  size_t floats_per_store_ = 0;
  std::unique_ptr<float[]> keys_;    // [n_layer][n_blocks][block_size][kv_dim]
  std::unique_ptr<float[]> values_;  // same layout
  std::vector<Sequence> sequences_;
  std::vector<int32_t> free_blocks_;
};

}  // namespace yak::model
