// Yak's engine API: load a model, then run batches of tokens from one or many
// sequences through it. This is what the CLI, the server and embedding
// applications use; nothing here exposes file formats or kernels.
//
//   auto model = yak::Model::load("model.gguf");
//   yak::Context ctx(model, {.max_sequences = 4});
//   yak::Batch batch;
//   batch.add(token, /*pos=*/0, /*seq=*/0, /*want_logits=*/true);
//   ctx.decode(batch);
//   std::span<const float> logits = ctx.logits(0);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

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

// Tokens to run together. Each token belongs to a sequence and has a
// position in it; a sequence's tokens in a batch must continue it in order
// (positions length, length+1, ...).
class Batch {
 public:
  void add(int32_t token, int32_t pos, int32_t seq_id, bool want_logits);
  void clear();
  size_t size() const { return tokens_.size(); }
  bool empty() const { return tokens_.empty(); }

  std::span<const int32_t> tokens() const { return tokens_; }
  std::span<const int32_t> positions() const { return positions_; }
  std::span<const int32_t> seq_ids() const { return seq_ids_; }
  std::span<const uint8_t> want_logits() const { return want_logits_; }

 private:
  std::vector<int32_t> tokens_;
  std::vector<int32_t> positions_;
  std::vector<int32_t> seq_ids_;
  std::vector<uint8_t> want_logits_;
};

// Memory follows use: the KV cache grows a block at a time as tokens arrive,
// and activations and logits grow to the largest batch decoded (reused after).
// A context whose full KV cache could never fit in memory_limit_bytes is
// refused when it is created, and a batch whose buffers would not fit is
// refused by decode(), each with a yak::Error giving the figures.
struct ContextOptions {
  int32_t n_threads = 0;            // 0: one per available core
  int32_t max_sequences = 1;        // sequence ids 0 .. max_sequences-1
  int32_t context_size = 4096;      // tokens the KV cache holds, over all sequences (exactly)
  int32_t max_batch_tokens = 512;   // larger batches run in pieces of this size
  int32_t kv_block_size = 32;       // tokens per KV cache block
  uint64_t memory_limit_bytes = 0;  // 0: the machine's available memory (MemAvailable, or
                                    // the room under the cgroup limit when lower)
  // Workers shared with the model's load and other contexts (yak/threads.h); when set,
  // n_threads is ignored. Null: the context starts n_threads workers of its own.
  std::shared_ptr<Threads> threads;
};

// The state of running sequences: KV cache, activations, thread pool and the
// logits of the last batch. One context is used by one thread at a time.
class Context {
 public:
  Context(std::shared_ptr<const Model> model, const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Runs the batch. Throws yak::Error, leaving the context as it was, when a
  // token, sequence id or position is invalid, the KV cache has no room, or
  // the batch's buffers do not fit in memory. Also throws when the model's
  // file was truncated or changed while in use (its weights may have read as
  // zeros); the model stays broken then, so every later decode throws too:
  // load the model again.
  void decode(const Batch& batch);

  // Logits of the i-th token (counting only tokens that wanted logits) of the
  // last decode() call.
  std::span<const float> logits(int32_t i) const;
  int32_t n_outputs() const;

  int32_t sequence_length(int32_t seq_id) const;
  // Forgets positions >= length of a sequence (e.g. to regenerate).
  void truncate_sequence(int32_t seq_id, int32_t length);
  void clear_sequence(int32_t seq_id) { truncate_sequence(seq_id, 0); }
  int32_t free_slots() const;
  // Whether n more tokens of the sequence fit in the KV cache now.
  bool has_room(int32_t seq_id, int32_t n_tokens) const;

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
