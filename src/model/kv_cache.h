// The key/value cache, paged: memory is a pool of fixed-size blocks of token
// slots, and each sequence owns a list of blocks (its block table). Sequences
// of different lengths share one pool without reserving a maximum length
// each, which is what lets a server hold many conversations at once and long
// contexts grow only as far as they are used.
//
// A block's memory is allocated the first time the block is handed out and
// kept for reuse when it returns to the pool, so a context costs memory for
// the most tokens it has held at once, not for its capacity.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/config.h"

namespace yak::model {

struct KvCacheOptions {
  int32_t max_sequences = 1;  // sequence ids are 0 .. max_sequences-1
  int32_t capacity = 4096;    // total tokens over all sequences
  int32_t block_size = 32;    // token slots per block
};

class KvCache {
 public:
  // Throws yak::Error naming the option when one is out of range. Allocates
  // no block memory.
  KvCache(const ModelConfig& config, const KvCacheOptions& options);

  // Bytes of keys and values one token takes over all layers.
  static uint64_t bytes_per_token(const ModelConfig& config);
  // Bytes the cache takes with every block in use (saturates at UINT64_MAX).
  static uint64_t bytes_when_full(const ModelConfig& config, const KvCacheOptions& options);

  int32_t max_sequences() const { return static_cast<int32_t>(sequences_.size()); }
  int32_t block_size() const { return block_size_; }
  // Exactly the tokens asked for, though blocks may hold a few more.
  int32_t capacity() const { return capacity_; }
  // Tokens that can still be added (to a new sequence: the partly used last
  // block of an existing one may hold a few more).
  int32_t free_slots() const;
  int64_t total_blocks() const { return n_blocks_; }
  int64_t used_blocks() const { return n_blocks_ - blocks_available(); }
  // Blocks a sequence must add to hold n more tokens.
  int64_t blocks_needed(int32_t seq, int32_t n) const;
  // Block memory allocated so far.
  uint64_t bytes() const { return static_cast<uint64_t>(blocks_.size()) * block_bytes(); }

  // Tokens stored for a sequence (its next position).
  int32_t length(int32_t seq) const { return sequence(seq).length; }

  // Makes room for positions [length, length + n) of `seq`, taking blocks from
  // the pool; throws yak::Error when the cache is full or a new block cannot
  // be allocated (nothing changes then).
  void reserve(int32_t seq, int32_t n);
  bool can_reserve(int32_t seq, int32_t n) const;
  // Marks positions up to new_length as written (after a forward pass).
  void set_length(int32_t seq, int32_t new_length);
  // Drops positions >= new_length (and any reserved room past them),
  // returning whole blocks to the pool.
  void truncate(int32_t seq, int32_t new_length);
  void clear(int32_t seq) { truncate(seq, 0); }

  // Storage of one token's keys / values in one layer: [n_head_kv * head_dim].
  // The position must be reserved.
  float* key(int32_t layer, int32_t seq, int32_t pos) { return slot(0, layer, seq, pos); }
  float* value(int32_t layer, int32_t seq, int32_t pos) { return slot(1, layer, seq, pos); }
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
    int32_t reserved = 0;         // positions [0, reserved) have blocks and count as used
    std::vector<int32_t> blocks;  // block table: block index for positions [i*bs, (i+1)*bs)
  };

  // Tokens over capacity that reserving n more for seq would count.
  int64_t tokens_added(int32_t seq, int32_t n) const;
  int64_t blocks_available() const {
    return static_cast<int64_t>(free_blocks_.size()) +
           (n_blocks_ - static_cast<int64_t>(blocks_.size()));
  }
  uint64_t block_bytes() const { return static_cast<uint64_t>(floats_per_block_) * sizeof(float); }
  const Sequence& sequence(int32_t seq) const;
  Sequence& sequence(int32_t seq);
  float* slot(int kind, int32_t layer, int32_t seq, int32_t pos);

  int32_t n_layer_;
  int32_t kv_dim_;
  int32_t block_size_;
  int32_t capacity_;
  int32_t n_blocks_;           // most blocks the pool may hold
  int64_t tokens_in_use_ = 0;  // sum of the sequences' reserved lengths
  size_t floats_per_block_ = 0;
  // Each block: keys [n_layer][block_size][kv_dim], then values in the same
  // layout. Left uninitialised: large allocations are mapped lazily, so
  // memory is committed as slots are first written, and no slot is read
  // before it is written.
  std::vector<std::unique_ptr<float[]>> blocks_;  // by block index, allocated ones
  std::vector<int32_t> free_blocks_;              // allocated and unused
  std::vector<Sequence> sequences_;
};

}  // namespace yak::model
