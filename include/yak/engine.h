// Yak's engine API: load a model, then run batches of tokens from one or many
// sequences through it. This is what the CLI, the server and embedding
// applications use; nothing here exposes file formats or kernels.
//
//   auto model = yak::Model::load("model.gguf");
//   yak::Context ctx(model, {.max_sequences = 4});
//   yak::SequenceId seq = ctx.add_sequence();
//   yak::Batch batch;
//   int32_t out = batch.add(token, /*pos=*/0, seq, /*want_logits=*/true);
//   ctx.decode(batch);
//   std::span<const float> logits = ctx.logits(out);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "yak/activations.h"
#include "yak/threads.h"

namespace yak {

class Tokenizer;

struct ModelInfo {
  std::string path;
  std::string architecture;  // "llama", "qwen2"
  std::string name;          // general.name
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t n_ff = 0;
  int64_t n_params = 0;       // elements of all tensors
  uint64_t weight_bytes = 0;  // bytes of all tensors in the file
  std::string chat_template;  // tokenizer.chat_template; empty when the file has none
};

// How matrix products are computed.
enum class Precision {
  kDefault,  // the environment's YAK_PRECISION (exact | fast), else kFast
  kExact,    // float32 from the dequantized weights: transformers' numbers (to ~1e-4)
  kFast,     // 8-bit activations and integer SIMD kernels: several times faster, with
             // the usual quantization error (as llama.cpp computes)
};

struct LoadOptions {
  Precision precision = Precision::kDefault;
  // The workers that repack the weights; null: threads started for the load alone.
  std::shared_ptr<Threads> threads;
};

// A loaded model: the mapped file, its validated weights and its tokenizer.
// Immutable once loaded, so any number of contexts and threads may share it.
class Model {
 public:
  // Maps, validates and binds a GGUF file; throws yak::Error naming the file
  // and the problem.
  static std::shared_ptr<const Model> load(const std::string& path,
                                           const LoadOptions& options = {});
  ~Model();

  const ModelInfo& info() const;
  const Tokenizer& tokenizer() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A sequence's handle in a context: returned by Context::add_sequence() or
// fork_sequence(), valid until remove_sequence(). Handles of removed sequences are
// reused by later ones.
using SequenceId = int32_t;

// Tokens to run together. Each token belongs to a sequence and has a
// position in it; a sequence's tokens in a batch must continue it in order
// (positions length, length+1, ...).
class Batch {
 public:
  // Returns the token's output index (for Context::logits) when it wants logits, else -1.
  int32_t add(int32_t token, int32_t pos, SequenceId seq, bool want_logits);
  void clear();
  size_t size() const { return tokens_.size(); }
  bool empty() const { return tokens_.empty(); }
  int32_t n_outputs() const { return n_outputs_; }

  std::span<const int32_t> tokens() const { return tokens_; }
  std::span<const int32_t> positions() const { return positions_; }
  std::span<const SequenceId> seq_ids() const { return seq_ids_; }
  std::span<const uint8_t> want_logits() const { return want_logits_; }

 private:
  std::vector<int32_t> tokens_;
  std::vector<int32_t> positions_;
  std::vector<SequenceId> seq_ids_;
  std::vector<uint8_t> want_logits_;
  int32_t n_outputs_ = 0;
};

// Memory follows use: the KV cache grows a block at a time as tokens arrive,
// and activations and logits grow to the largest batch decoded (reused after).
// A context whose full KV pool could never fit in memory_limit_bytes is
// refused when it is created, and a batch whose buffers would not fit is
// refused by decode(), each with a yak::Error giving the figures.
//
// The KV pool is shared by all sequences, in blocks of kv_block_size tokens.
// Blocks are reference-counted: a forked sequence shares its parent's blocks
// (a partly filled block is copied when either writes to it), and with
// prefix_caching every full block is also keyed by the tokens it holds and
// those before it, so that it outlives its sequence and a later sequence
// starting with the same tokens reuses it (attach_cached_prefix). Cached
// blocks no sequence holds are evicted, least recently used first, only when
// the pool needs room.
struct ContextOptions {
  int32_t n_threads = 0;            // 0: one per available core
  int32_t max_sequences = 1;        // sequences alive at once
  int32_t context_size = 4096;      // most tokens one sequence holds (exactly)
  int64_t kv_tokens = 0;            // the pool, in tokens over all sequences (rounded up to
                                    // whole blocks); 0: context_size
  int32_t max_batch_tokens = 512;   // larger batches run in pieces of this size
  int32_t kv_block_size = 32;       // tokens per KV cache block
  bool prefix_caching = false;      // keep full blocks for reuse by later sequences
  uint64_t memory_limit_bytes = 0;  // 0: the machine's available memory (MemAvailable, or
                                    // the room under the cgroup limit when lower)
  // Workers shared with the model's load and other contexts (yak/threads.h); when set,
  // n_threads is ignored. Null: the context starts n_threads workers of its own.
  std::shared_ptr<Threads> threads;
  // Sees the input rows of every weight matrix product of each decode (yak/activations.h);
  // not owned, and must outlive the context. Null: none.
  ActivationObserver* activation_observer = nullptr;
};

// The KV pool's figures, for admission control and metrics.
struct KvStats {
  int32_t block_size = 0;
  int64_t total_blocks = 0;   // the pool's size
  int64_t used_blocks = 0;    // held by at least one live sequence
  int64_t cached_blocks = 0;  // held by none, kept for prefix reuse; evicted when needed
  uint64_t bytes_per_token = 0;
  uint64_t allocated_bytes = 0;       // block memory allocated so far
  int64_t prefix_queried_tokens = 0;  // tokens looked up by attach_cached_prefix, in total
  int64_t prefix_hit_tokens = 0;      // of which found in the cache
  int64_t free_blocks() const { return total_blocks - used_blocks; }  // cached ones included
};

// The state of running sequences: KV cache, activations, thread pool and the
// logits of the last batch. One context is used by one thread at a time.
class Context {
 public:
  Context(std::shared_ptr<const Model> model, const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // A new, empty sequence. Throws yak::Error when max_sequences are alive.
  SequenceId add_sequence();
  // Ends a sequence: its blocks go back to the pool (full ones stay cached with
  // prefix_caching). Throws for a handle that is not alive.
  void remove_sequence(SequenceId seq);
  // A new sequence holding the same tokens as `seq`, sharing its blocks.
  SequenceId fork_sequence(SequenceId seq);
  // For an empty sequence about to take `tokens`: attaches the cached blocks that
  // hold the longest prefix of them (whole blocks, and never all of the tokens, so
  // that at least one is left to run for logits). Returns the tokens attached, which
  // the sequence now holds; 0 without prefix_caching.
  int32_t attach_cached_prefix(SequenceId seq, std::span<const int32_t> tokens);

  // Runs the batch. Throws yak::Error, leaving the context as it was, when a
  // token, sequence or position is invalid, the KV cache has no room, or
  // the batch's buffers do not fit in memory. Also throws when the model's
  // file was truncated or changed while in use (its weights may have read as
  // zeros); the model stays broken then, so every later decode throws too:
  // load the model again.
  void decode(const Batch& batch);

  // Logits of the i-th token (counting only tokens that wanted logits) of the
  // last decode() call.
  std::span<const float> logits(int32_t i) const;
  int32_t n_outputs() const;

  int32_t sequence_length(SequenceId seq) const;
  // Forgets positions >= length of a sequence (e.g. to regenerate).
  void truncate_sequence(SequenceId seq, int32_t length);
  void clear_sequence(SequenceId seq) { truncate_sequence(seq, 0); }
  // Whether n more tokens of the sequence fit now: within context_size, and
  // blocks for them are free or can be evicted from the prefix cache.
  bool has_room(SequenceId seq, int32_t n_tokens) const;
  // Blocks the pool must supply for n more tokens of the sequence (a shared
  // partly filled block that must be copied counts).
  int64_t blocks_needed(SequenceId seq, int32_t n_tokens) const;
  KvStats kv_stats() const;

  const Model& model() const { return *model_; }
  const ContextOptions& options() const;
  int32_t n_threads() const;
  // Memory the context holds now: KV cache blocks, activations, logits.
  uint64_t memory_bytes() const;

 private:
  struct State;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<State> state_;
};

}  // namespace yak
