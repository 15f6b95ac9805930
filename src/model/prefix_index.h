// The prefix cache's index: which KV block holds the keys and values of which
// tokens, so that a sequence starting with tokens another one has already run
// reuses that sequence's blocks instead of computing them again.
//
// A full block is keyed by hash(its parent's key, its tokens), its parent
// being the block before it in the sequence that computed it; the key of a
// block therefore stands for every token from the start of the sequence to the
// end of the block (a hash chain, as vLLM's automatic prefix caching keys its
// blocks). Hashes may collide, so a key is only where to look: each keyed
// block also stores its tokens, its parent's key and its parent's identity
// (block and serial, see BlockRef), and a lookup that does not match all three
// is a miss. A match therefore means the block was computed after exactly the
// tokens looked up, whatever the hash does.
//
// The index also keeps the keyed blocks that no sequence holds in least
// recently used order: those are the ones the pool evicts when it needs room.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace yak::model {

// The key of a full block from its parent's key and its tokens.
using BlockHash = uint64_t (*)(uint64_t parent_key, std::span<const int32_t> tokens);

// A well-mixed 64-bit hash of the parent's key and the tokens (each step a
// bijective mix of the state and one token).
uint64_t default_block_hash(uint64_t parent_key, std::span<const int32_t> tokens);

// The parent key of a sequence's first block.
inline constexpr uint64_t kRootKey = 0x6a09e667f3bcc908ULL;

// A block as it was at one time: its index in the pool and the serial its
// contents had then. The pool gives a block a new serial whenever its contents
// may change (handed out again, or unkeyed to be written), so a BlockRef names
// contents, not storage, and a stale one matches nothing.
struct BlockRef {
  int32_t block = -1;  // -1: before the first block
  uint64_t serial = 0;
  bool operator==(const BlockRef&) const = default;
};

class PrefixIndex {
 public:
  // `hash` null: default_block_hash.
  explicit PrefixIndex(BlockHash hash);

  uint64_t key(uint64_t parent_key, std::span<const int32_t> tokens) const {
    return hash_(parent_key, tokens);
  }

  // Makes room for the entries of blocks [0, n_blocks); throws std::bad_alloc.
  void reserve_blocks(size_t n_blocks);

  // Keys a full `block` holding `tokens` after `parent` (whose key is
  // parent_key). Returns false, keying nothing, when the key is taken (by a
  // block with the same tokens and parent, or by a collision) or memory runs
  // out: the block then simply is not cached.
  bool insert(int32_t block, uint64_t key, uint64_t parent_key, BlockRef parent,
              std::span<const int32_t> tokens);
  // The keyed block whose key is `key` and which holds `tokens` right after
  // `parent`; -1 when none.
  int32_t find(uint64_t key, uint64_t parent_key, BlockRef parent,
               std::span<const int32_t> tokens) const;
  bool keyed(int32_t block) const;
  // Whether `block` is the block keyed as `key`.
  bool keyed_as(int32_t block, uint64_t key) const;
  // Forgets the block's key (it must be keyed and not in the unused list).
  void erase(int32_t block);

  // Keyed blocks that no sequence holds, least recently used first.
  void add_unused(int32_t block);  // as the most recently used
  void remove_unused(int32_t block);
  // Unkeys the least recently used unused block and returns it; -1 when none.
  int32_t evict_least_recent();
  int64_t unused() const { return unused_; }

 private:
  struct Entry {
    bool keyed = false;
    bool unused = false;  // in the unused list
    uint64_t key = 0;
    uint64_t parent_key = 0;
    BlockRef parent;
    std::vector<int32_t> tokens;
    int32_t prev = -1;  // unused list neighbours: towards the least / most recent
    int32_t next = -1;
  };
  Entry& entry(int32_t block);
  const Entry* find_entry(int32_t block) const;

  BlockHash hash_;
  std::vector<Entry> entries_;  // by block index, for the blocks allocated so far
  std::unordered_map<uint64_t, int32_t> by_key_;
  int32_t least_recent_ = -1;
  int32_t most_recent_ = -1;
  int64_t unused_ = 0;
};

}  // namespace yak::model
