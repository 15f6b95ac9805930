// The key/value cache, paged: memory is a pool of fixed-size blocks of token
// slots, and each sequence has a list of blocks (its block table). Sequences
// of different lengths share one pool without reserving a maximum length
// each, which is what lets a server hold many conversations at once and long
// contexts grow only as far as they are used.
//
// Blocks are reference-counted, so sequences can share them:
// - fork() makes a sequence that holds the same blocks as another. A block
//   that fills is never written again, so only a partly filled last block can
//   be written by two holders: the first to write copies it (copy on write).
// - With prefix caching, a block that fills is keyed by the tokens it holds
//   and all before it (model/prefix_index.h). When no sequence holds it any
//   more it stays cached, and a new sequence whose tokens begin the same way
//   attaches it instead of computing it again. Cached blocks count as free:
//   they are evicted, least recently used first, when the pool needs room.
//
// Invariants (outside a call):
// - A block's refs is the number of live sequences whose table holds it;
//   used_blocks() counts blocks with refs > 0.
// - Every allocated block is exactly one of: held (refs > 0), free (refs 0,
//   unkeyed, in free_blocks_), or cached (refs 0, keyed, in the index's
//   unused list).
// - A keyed block is full and its keys/values are those of its key's tokens
//   after its parent's; it is never written while keyed.
// - Writes go only to a sequence's positions >= length, in blocks with
//   refs 1 that are unkeyed: reserve() makes the partly filled block writable
//   first (copies it when shared, unkeys it when the sequence alone holds it,
//   e.g. after a truncation back into a keyed block), before the forward pass.
// - A sequence's table covers at least ceil(length / block_size) blocks; any
//   more are room reserved for tokens not committed yet, held by it alone.
// - With prefix caching, a sequence's tokens[] holds its `length` tokens and
//   keys[] the chain key of each of its full blocks; its blocks may be keyed
//   or not (a block whose key another block already had stays unkeyed).
// - A block's serial changes whenever its contents may change, so a keyed
//   block's record of its parent (block, serial) goes stale when the parent is
//   evicted or rewritten, and the chain can never lead to keys and values
//   computed after other tokens.
//
// A block's memory is allocated the first time the block is handed out and
// kept for reuse when it returns to the pool, so a context costs memory for
// the most tokens it has held at once, not for its capacity.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/config.h"
#include "model/prefix_index.h"

namespace yak::model {

struct KvCacheOptions {
  int32_t max_sequences = 1;       // sequences alive at once
  int32_t capacity = 4096;         // tokens in the pool, over all sequences (whole blocks)
  int32_t block_size = 32;         // token slots per block
  bool prefix_caching = false;     // key full blocks and keep them for reuse
  BlockHash block_hash = nullptr;  // null: default_block_hash (tests inject collisions)
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

  // --- Sequences ---
  int32_t max_sequences() const { return static_cast<int32_t>(sequences_.size()); }
  int32_t live_sequences() const { return live_sequences_; }
  // A new empty sequence (the lowest id free); throws when all are alive.
  int32_t add_sequence();
  // Releases the sequence's blocks (keyed ones stay cached) and its id.
  void remove_sequence(int32_t seq);
  // A new sequence holding the same tokens as `seq`, sharing its blocks.
  int32_t fork(int32_t seq);
  // For an empty sequence about to take `tokens`: attaches the cached blocks
  // holding their longest prefix of whole blocks, never all of the tokens (at
  // least one is left to run). Returns the tokens attached; 0 without prefix
  // caching.
  int32_t attach_cached_prefix(int32_t seq, std::span<const int32_t> tokens);
  bool alive(int32_t seq) const;
  // Tokens stored for a sequence (its next position).
  int32_t length(int32_t seq) const { return sequence(seq).length; }

  // --- The pool ---
  int32_t block_size() const { return block_size_; }
  int32_t capacity() const { return n_blocks_ * block_size_; }  // tokens in the pool
  int64_t total_blocks() const { return n_blocks_; }
  int64_t used_blocks() const { return used_blocks_; }  // held by a sequence
  int64_t cached_blocks() const { return index_.unused(); }
  int64_t free_blocks() const { return n_blocks_ - used_blocks_; }  // cached ones included
  // Block memory allocated so far.
  uint64_t bytes() const { return static_cast<uint64_t>(blocks_.size()) * block_bytes(); }
  // Blocks the pool must supply for n more tokens of `seq`: new blocks, and
  // one more when its partly filled last block is shared and must be copied.
  int64_t blocks_needed(int32_t seq, int32_t n) const;
  bool can_reserve(int32_t seq, int32_t n) const { return blocks_needed(seq, n) <= free_blocks(); }
  // Tokens looked up by attach_cached_prefix, and of those found, in total.
  int64_t prefix_queried_tokens() const { return prefix_queried_; }
  int64_t prefix_hit_tokens() const { return prefix_hit_; }
  // The block holding position `pos` of `seq`, and how many sequences hold a
  // block: for tests and diagnostics.
  int32_t block_at(int32_t seq, int32_t pos) const;
  int32_t refs(int32_t block) const;
  bool keyed(int32_t block) const { return index_.keyed(block); }

  // --- Writing ---
  struct Reservation {
    int32_t seq;
    int32_t n;  // positions [length, length + n) of seq
  };
  // Makes room for the positions and makes them writable (see the invariants),
  // taking blocks from the pool: all of them or, throwing yak::Error when the
  // pool is full or out of memory, none (nothing changes then).
  void reserve(std::span<const Reservation> reservations);
  void reserve(int32_t seq, int32_t n) {
    const Reservation r{seq, n};
    reserve(std::span<const Reservation>(&r, 1));
  }
  // After a forward pass wrote positions [length, length + tokens.size()):
  // the sequence now holds these tokens; blocks they fill are keyed.
  void commit(int32_t seq, std::span<const int32_t> tokens);
  // Drops positions >= new_length (and any reserved room past them),
  // releasing the blocks no longer needed.
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
    bool alive = false;
    int32_t length = 0;
    std::vector<int32_t> blocks;  // block table: block index for positions [i*bs, (i+1)*bs)
    std::vector<int32_t> tokens;  // with prefix caching: the token at each position
    std::vector<uint64_t> keys;   // with prefix caching: the chain key of each full block
  };
  struct Block {
    std::unique_ptr<float[]> data;
    int32_t refs = 0;
    uint64_t serial = 0;
  };

  // Blocks seq must add to its table to hold n more tokens.
  int64_t new_blocks(const Sequence& s, int32_t n) const;
  // The partly filled block that writing n more tokens of s would write into,
  // or -1 when they start a new block.
  int32_t partial_block(const Sequence& s, int32_t n) const;
  // Takes `count` blocks (free ones, then new ones, then evicted cached ones),
  // each held once with a new serial; throws, taking none, when memory runs out.
  std::vector<int32_t> take_blocks(int64_t count);
  // The blocks `reservations` take (copies of shared blocks included), and
  // room in their block tables for them; throws std::bad_alloc.
  void plan_reservations(std::span<const Reservation> reservations,
                         std::unordered_map<int32_t, int32_t>& copies_planned, int64_t& needed);
  void hold(int32_t block);     // refs++, out of the cached list
  void release(int32_t block);  // refs--, to the free or cached list at 0
  void copy_tokens(int32_t from, int32_t to, int32_t n_tokens);
  void key_full_blocks(Sequence& s, int32_t old_length);
  BlockRef ref(int32_t block) const { return {block, blocks_[static_cast<size_t>(block)].serial}; }

  uint64_t block_bytes() const { return static_cast<uint64_t>(floats_per_block_) * sizeof(float); }
  const Sequence& sequence(int32_t seq) const;
  Sequence& sequence(int32_t seq);
  float* slot(int kind, int32_t layer, int32_t seq, int32_t pos);

  int32_t n_layer_;
  int32_t kv_dim_;
  int32_t block_size_;
  int32_t n_blocks_;  // the pool's size
  bool prefix_caching_;
  size_t floats_per_block_ = 0;
  int64_t used_blocks_ = 0;
  int32_t live_sequences_ = 0;
  uint64_t next_serial_ = 1;
  int64_t prefix_queried_ = 0;
  int64_t prefix_hit_ = 0;
  // Each block: keys [n_layer][block_size][kv_dim], then values in the same
  // layout. Left uninitialised: large allocations are mapped lazily, so
  // memory is committed as slots are first written, and no slot is read
  // before it is written.
  std::vector<Block> blocks_;         // by block index, the allocated ones
  std::vector<int32_t> free_blocks_;  // allocated, held by none, unkeyed
  PrefixIndex index_;
  std::vector<Sequence> sequences_;
};

}  // namespace yak::model
