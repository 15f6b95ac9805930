#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <unordered_map>

#include "core/error.h"
#include "core/system_memory.h"

namespace yak::model {
namespace {

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a)
    return std::numeric_limits<uint64_t>::max();
  return a * b;
}

// Capacity for n elements, growing geometrically so that a block at a time
// costs amortised constant time. Throws std::bad_alloc.
template <typename T>
void make_room(std::vector<T>& v, size_t n) {
  if (n > v.capacity()) v.reserve(std::max(n, 2 * v.capacity()));
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

uint64_t KvCache::bytes_per_token(const ModelConfig& c) {
  return saturating_mul(saturating_mul(static_cast<uint64_t>(c.n_layer), c.kv_dim()),
                        2 * sizeof(float));
}

uint64_t KvCache::bytes_when_full(const ModelConfig& c, const KvCacheOptions& o) {
  const int64_t bs = std::clamp<int64_t>(o.block_size, 1, std::max(o.capacity, 1));
  const int64_t blocks = ceil_div(std::max(o.capacity, 0), bs);
  return saturating_mul(bytes_per_token(c), static_cast<uint64_t>(blocks * bs));
}

KvCache::KvCache(const ModelConfig& config, const KvCacheOptions& options)
    : n_layer_(config.n_layer),
      kv_dim_(config.kv_dim()),
      prefix_caching_(options.prefix_caching),
      index_(options.block_hash) {
  if (options.max_sequences < 1 || options.max_sequences > 65536)
    fail("the number of sequences {} is out of range [1, 65536]", options.max_sequences);
  if (options.block_size < 1 || options.block_size > 4096)
    fail("the KV block size {} is out of range [1, 4096]", options.block_size);
  if (options.capacity < 1) fail("the context size {} must be at least 1 token", options.capacity);
  // A block wider than the whole pool would only hold slots nobody may use.
  block_size_ = std::min(options.block_size, options.capacity);
  n_blocks_ = static_cast<int32_t>(ceil_div(options.capacity, block_size_));
  floats_per_block_ = 2 * static_cast<size_t>(n_layer_) * static_cast<size_t>(block_size_) *
                      static_cast<size_t>(kv_dim_);
  sequences_.resize(static_cast<size_t>(options.max_sequences));
}

const KvCache::Sequence& KvCache::sequence(int32_t seq) const {
  if (seq < 0 || seq >= max_sequences())
    fail("sequence id {} is out of range [0, {})", seq, max_sequences());
  const Sequence& s = sequences_[static_cast<size_t>(seq)];
  if (!s.alive) fail("sequence {} is not alive", seq);
  return s;
}

KvCache::Sequence& KvCache::sequence(int32_t seq) {
  return const_cast<Sequence&>(static_cast<const KvCache*>(this)->sequence(seq));
}

bool KvCache::alive(int32_t seq) const {
  return seq >= 0 && seq < max_sequences() && sequences_[static_cast<size_t>(seq)].alive;
}

int32_t KvCache::add_sequence() {
  const auto it = std::find_if(sequences_.begin(), sequences_.end(),
                               [](const Sequence& s) { return !s.alive; });
  if (it == sequences_.end()) fail("all {} sequences are in use", sequences_.size());
  it->alive = true;
  ++live_sequences_;
  return static_cast<int32_t>(it - sequences_.begin());
}

void KvCache::remove_sequence(int32_t seq) {
  truncate(seq, 0);
  sequences_[static_cast<size_t>(seq)].alive = false;
  --live_sequences_;
}

int32_t KvCache::fork(int32_t seq) {
  const Sequence& from = sequence(seq);
  const auto it = std::find_if(sequences_.begin(), sequences_.end(),
                               [](const Sequence& s) { return !s.alive; });
  if (it == sequences_.end()) fail("all {} sequences are in use", sequences_.size());
  // Room reserved past the length stays the parent's own.
  const auto shared = static_cast<size_t>(ceil_div(from.length, block_size_));
  Sequence copy;
  try {
    copy.blocks.assign(from.blocks.begin(), from.blocks.begin() + static_cast<ptrdiff_t>(shared));
    copy.tokens = from.tokens;
    copy.keys = from.keys;
  } catch (const std::bad_alloc&) {
    fail("out of memory for the block table of a fork of sequence {}", seq);
  }
  copy.alive = true;
  copy.length = from.length;
  for (const int32_t block : copy.blocks) hold(block);
  *it = std::move(copy);
  ++live_sequences_;
  return static_cast<int32_t>(it - sequences_.begin());
}

int32_t KvCache::attach_cached_prefix(int32_t seq, std::span<const int32_t> tokens) {
  Sequence& s = sequence(seq);
  if (!prefix_caching_) return 0;
  if (s.length != 0 || !s.blocks.empty())
    fail("attach_cached_prefix: sequence {} is not empty", seq);
  // Whole blocks, leaving at least one token to run.
  const auto max_blocks =
      tokens.empty() ? size_t{0} : (tokens.size() - 1) / static_cast<size_t>(block_size_);
  try {
    s.blocks.reserve(max_blocks);
    s.keys.reserve(max_blocks);
    s.tokens.reserve(max_blocks * static_cast<size_t>(block_size_));
  } catch (const std::bad_alloc&) {
    fail("out of memory for the block table of sequence {}", seq);
  }
  prefix_queried_ += static_cast<int64_t>(tokens.size());
  uint64_t parent_key = kRootKey;
  BlockRef parent;
  for (size_t b = 0; b < max_blocks; ++b) {
    const auto t =
        tokens.subspan(b * static_cast<size_t>(block_size_), static_cast<size_t>(block_size_));
    const uint64_t key = index_.key(parent_key, t);
    const int32_t block = index_.find(key, parent_key, parent, t);
    if (block < 0) break;
    hold(block);
    s.blocks.push_back(block);
    s.keys.push_back(key);
    s.tokens.insert(s.tokens.end(), t.begin(), t.end());
    parent_key = key;
    parent = ref(block);
  }
  s.length = static_cast<int32_t>(s.tokens.size());
  prefix_hit_ += s.length;
  return s.length;
}

int32_t KvCache::block_at(int32_t seq, int32_t pos) const {
  const Sequence& s = sequence(seq);
  if (pos < 0 || static_cast<size_t>(pos / block_size_) >= s.blocks.size())
    fail("position {} of sequence {} has no block", pos, seq);
  return s.blocks[static_cast<size_t>(pos / block_size_)];
}

int32_t KvCache::refs(int32_t block) const {
  if (block < 0 || static_cast<size_t>(block) >= blocks_.size())
    fail("block {} is not allocated", block);
  return blocks_[static_cast<size_t>(block)].refs;
}

int64_t KvCache::new_blocks(const Sequence& s, int32_t n) const {
  const int64_t needed = ceil_div(static_cast<int64_t>(s.length) + n, block_size_);
  return std::max<int64_t>(0, needed - static_cast<int64_t>(s.blocks.size()));
}

int32_t KvCache::partial_block(const Sequence& s, int32_t n) const {
  if (n <= 0 || s.length % block_size_ == 0) return -1;
  return s.blocks[static_cast<size_t>(s.length / block_size_)];
}

int64_t KvCache::blocks_needed(int32_t seq, int32_t n) const {
  const Sequence& s = sequence(seq);
  if (n < 0) fail("KV cache: cannot reserve {} positions", n);
  const int32_t partial = partial_block(s, n);
  const bool copy = partial >= 0 && blocks_[static_cast<size_t>(partial)].refs > 1;
  return new_blocks(s, n) + (copy ? 1 : 0);
}

std::vector<int32_t> KvCache::take_blocks(int64_t count) {
  const int64_t from_free = std::min<int64_t>(count, static_cast<int64_t>(free_blocks_.size()));
  const int64_t fresh =
      std::min<int64_t>(count - from_free, n_blocks_ - static_cast<int64_t>(blocks_.size()));
  const int64_t evicted = count - from_free - fresh;
  YAK_CHECK(evicted <= index_.unused());
  // Everything that can fail comes first, so that a failure takes nothing.
  std::vector<int32_t> taken;
  std::vector<std::unique_ptr<float[]>> memory;
  try {
    taken.reserve(static_cast<size_t>(count));
    memory.reserve(static_cast<size_t>(fresh));
    for (int64_t i = 0; i < fresh; ++i)
      memory.emplace_back(new float[floats_per_block_]);  // uninitialised on purpose
    const size_t allocated = blocks_.size() + static_cast<size_t>(fresh);
    make_room(blocks_, allocated);
    make_room(free_blocks_, allocated);  // so that releasing a block never allocates
    index_.reserve_blocks(allocated);
  } catch (const std::bad_alloc&) {
    fail("out of memory for the KV cache: {} more blocks of {} each", fresh,
         format_bytes(block_bytes()));
  }
  for (int64_t i = 0; i < from_free; ++i) {
    taken.push_back(free_blocks_.back());
    free_blocks_.pop_back();
  }
  for (auto& data : memory) {
    taken.push_back(static_cast<int32_t>(blocks_.size()));
    blocks_.push_back(Block{std::move(data)});
  }
  for (int64_t i = 0; i < evicted; ++i) taken.push_back(index_.evict_least_recent());
  for (const int32_t block : taken) {
    Block& b = blocks_[static_cast<size_t>(block)];
    b.refs = 1;
    b.serial = next_serial_++;
    ++used_blocks_;
  }
  return taken;
}

void KvCache::hold(int32_t block) {
  Block& b = blocks_[static_cast<size_t>(block)];
  if (b.refs == 0) {
    index_.remove_unused(block);  // a block held by none that can be found is a cached one
    ++used_blocks_;
  }
  ++b.refs;
}

void KvCache::release(int32_t block) {
  Block& b = blocks_[static_cast<size_t>(block)];
  YAK_CHECK(b.refs > 0);
  if (--b.refs > 0) return;
  --used_blocks_;
  if (index_.keyed(block))
    index_.add_unused(block);
  else
    free_blocks_.push_back(block);  // capacity reserved by take_blocks
}

void KvCache::copy_tokens(int32_t from, int32_t to, int32_t n_tokens) {
  const float* src = blocks_[static_cast<size_t>(from)].data.get();
  float* dst = blocks_[static_cast<size_t>(to)].data.get();
  const size_t run = static_cast<size_t>(n_tokens) * static_cast<size_t>(kv_dim_);
  const size_t stride = static_cast<size_t>(block_size_) * static_cast<size_t>(kv_dim_);
  // Keys then values, each [n_layer][block_size][kv_dim]: the first n_tokens
  // rows of every layer.
  for (size_t part = 0; part < 2 * static_cast<size_t>(n_layer_); ++part)
    std::memcpy(dst + part * stride, src + part * stride, run * sizeof(float));
}

void KvCache::plan_reservations(std::span<const Reservation> reservations,
                                std::unordered_map<int32_t, int32_t>& copies_planned,
                                int64_t& needed) {
  for (const Reservation& r : reservations) {
    Sequence& s = sequence(r.seq);
    if (r.n < 0) fail("KV cache: cannot reserve {} positions", r.n);
    const int64_t added = new_blocks(s, r.n);
    needed += added;
    const int32_t partial = partial_block(s, r.n);
    if (partial >= 0 && blocks_[static_cast<size_t>(partial)].refs > 1) {
      int32_t& planned = copies_planned[partial];
      if (blocks_[static_cast<size_t>(partial)].refs - planned > 1) {
        ++planned;
        ++needed;
      }
    }
    make_room(s.blocks, s.blocks.size() + static_cast<size_t>(added));  // adding cannot fail
  }
}

void KvCache::reserve(std::span<const Reservation> reservations) {
  // Plan: the blocks all reservations take. A shared partly filled block is
  // copied by each writer while others still hold it; the last holder writes
  // it in place.
  int64_t needed = 0;
  std::unordered_map<int32_t, int32_t> copies_planned;  // by shared block
  try {
    plan_reservations(reservations, copies_planned, needed);
  } catch (const std::bad_alloc&) {
    fail("out of memory for the block tables of {} sequences", reservations.size());
  }
  if (needed > free_blocks())
    fail("KV cache is full: {} more blocks of {} tokens are needed but only {} of {} are free",
         needed, block_size_, free_blocks(), n_blocks_);
  const std::vector<int32_t> taken = take_blocks(needed);

  // Nothing fails from here on.
  size_t next = 0;
  for (const Reservation& r : reservations) {
    Sequence& s = sequence(r.seq);
    const int32_t partial = partial_block(s, r.n);
    if (partial >= 0) {
      Block& b = blocks_[static_cast<size_t>(partial)];
      if (b.refs > 1) {
        const int32_t copy = taken[next++];
        copy_tokens(partial, copy, s.length % block_size_);
        s.blocks[static_cast<size_t>(s.length / block_size_)] = copy;
        release(partial);
      } else if (index_.keyed(partial)) {
        // Held by this sequence alone and about to be written past its length:
        // its key (and any block keyed after it) must no longer be found.
        index_.erase(partial);
        b.serial = next_serial_++;
      }
    }
    for (int64_t i = new_blocks(s, r.n); i > 0; --i) s.blocks.push_back(taken[next++]);
  }
  YAK_CHECK(next == taken.size());
}

void KvCache::key_full_blocks(Sequence& s, int32_t old_length) {
  const auto bs = static_cast<size_t>(block_size_);
  YAK_CHECK(s.keys.size() == static_cast<size_t>(old_length / block_size_));
  for (auto b = static_cast<size_t>(old_length / block_size_);
       b < static_cast<size_t>(s.length / block_size_); ++b) {
    const std::span<const int32_t> tokens(s.tokens.data() + b * bs, bs);
    const uint64_t parent_key = b == 0 ? kRootKey : s.keys[b - 1];
    const uint64_t key = index_.key(parent_key, tokens);
    s.keys.push_back(key);
    // Lookups walk keyed blocks from the first, so a block whose parent is not
    // the one keyed under the parent's key could never be found.
    if (b == 0 || index_.keyed_as(s.blocks[b - 1], parent_key)) {
      const BlockRef parent = b == 0 ? BlockRef{} : ref(s.blocks[b - 1]);
      index_.insert(s.blocks[b], key, parent_key, parent, tokens);
    }
  }
}

void KvCache::commit(int32_t seq, std::span<const int32_t> tokens) {
  Sequence& s = sequence(seq);
  const int64_t end = static_cast<int64_t>(s.length) + static_cast<int64_t>(tokens.size());
  YAK_CHECK(end <= static_cast<int64_t>(s.blocks.size()) * block_size_);
  const int32_t old_length = s.length;
  if (prefix_caching_) {
    try {
      s.keys.reserve(static_cast<size_t>(end / block_size_));
      s.tokens.insert(s.tokens.end(), tokens.begin(), tokens.end());
    } catch (const std::bad_alloc&) {
      fail("out of memory for the tokens of sequence {}", seq);
    }
  }
  s.length = static_cast<int32_t>(end);
  if (prefix_caching_) key_full_blocks(s, old_length);
}

void KvCache::truncate(int32_t seq, int32_t new_length) {
  Sequence& s = sequence(seq);
  if (new_length < 0 || new_length > s.length)
    fail("cannot truncate sequence {} of length {} to {}", seq, s.length, new_length);
  // From the last block back, so that of a sequence's cached blocks the later
  // ones are evicted first: a chain is only useful from its start.
  const auto keep = static_cast<size_t>(ceil_div(new_length, block_size_));
  while (s.blocks.size() > keep) {
    release(s.blocks.back());
    s.blocks.pop_back();
  }
  s.length = new_length;
  if (prefix_caching_) {
    s.tokens.resize(static_cast<size_t>(new_length));
    s.keys.resize(static_cast<size_t>(new_length / block_size_));
  }
}

float* KvCache::slot(int kind, int32_t layer, int32_t seq, int32_t pos) {
  const Sequence& s = sequence(seq);
  YAK_CHECK(layer >= 0 && layer < n_layer_);
  YAK_CHECK(pos >= 0 && static_cast<size_t>(pos / block_size_) < s.blocks.size());
  float* block =
      blocks_[static_cast<size_t>(s.blocks[static_cast<size_t>(pos / block_size_)])].data.get();
  const int64_t index =
      ((static_cast<int64_t>(kind) * n_layer_ + layer) * block_size_ + pos % block_size_) * kv_dim_;
  return block + index;
}

}  // namespace yak::model
