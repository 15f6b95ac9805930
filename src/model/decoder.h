// The forward pass of a Llama-family decoder over a batch of tokens that may
// belong to different sequences.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/linear.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/weights.h"
#include "yak/activations.h"

namespace yak::model {

// Tokens to run: token i of sequence seq_ids[i] at position positions[i].
// Within one sequence, positions must be consecutive and follow what the
// cache holds (checked by the caller, runtime::Context).
struct BatchView {
  std::span<const int32_t> tokens;
  std::span<const int32_t> positions;
  std::span<const int32_t> seq_ids;
  std::span<const uint8_t> want_logits;  // nonzero: produce logits for this token
};

// Activation rows that grow to the largest batch seen and are then reused.
// Contents do not survive growth: each forward pass writes rows before it
// reads them. Left uninitialised, so untouched rows cost no memory.
class RowBuffer {
 public:
  void reserve(size_t floats);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t floats() const { return floats_; }

 private:
  std::unique_ptr<float[]> data_;
  size_t floats_ = 0;
};

class Decoder {
 public:
  // `max_tokens` bounds the tokens of one forward() call. Activations are
  // sized by the batches that actually run, up to that bound: the first
  // forward() of a larger batch than any before allocates, later ones reuse.
  //
  // `observer`, when not null, is shown the input rows of every weight matrix product.
  Decoder(const ModelConfig& config, const ModelWeights& weights, int32_t max_tokens,
          ActivationObserver* observer = nullptr);

  int32_t max_tokens() const { return max_tokens_; }

  // Memory the activations of an n-token forward() take (an estimate of the
  // Linear kernels' scratch for quantized rows included), and that of the
  // largest batch so far; their difference is what forward() of n tokens
  // adds.
  uint64_t bytes_for(int32_t n_tokens) const;
  uint64_t bytes() const { return allocated_bytes_; }
  // Grows the activations to n tokens; throws yak::Error when out of memory.
  void reserve(int32_t n_tokens);

  // Runs the batch, writes each token's keys/values into the cache (positions
  // must be reserved there), and writes one row of n_vocab logits per token
  // with want_logits, in batch order, to `logits`.
  void forward(const BatchView& batch, KvCache& cache, ThreadPool& pool, float* logits);

 private:
  void attention_block(int32_t layer, const BatchView& batch, KvCache& cache, ThreadPool& pool);
  void feed_forward_block(int32_t layer, int32_t n, ThreadPool& pool);
  // Groups the batch's query heads into attention tiles (once per forward).
  void plan_attention(const BatchView& batch);
  // Attention of every tile and KV head of a layer: q_ against the cache, into attn_.
  void attend(int32_t layer, const BatchView& batch, const KvCache& cache, ThreadPool& pool);

  // Hands rows to the observer, naming the weights that read them (observed_names_).
  void observe(size_t names, int32_t count, const float* rows, int64_t n, int64_t width) const;

  const ModelConfig& config_;
  const ModelWeights& weights_;
  int32_t max_tokens_;
  ActivationObserver* observer_;
  // With an observer: per layer, the GGUF names of attn_q/k/v, attn_output, ffn_gate/up and
  // ffn_down (kNamesPerLayer), then the output projection's.
  static constexpr size_t kNamesPerLayer = 7;
  std::vector<std::string> observed_names_;
  kernels::RopeParams rope_;

  struct Lane {
    int32_t token;  // index in the batch
    int32_t g;      // query head within its KV head's group
  };
  struct Tile {
    int32_t seq;
    int32_t first_lane;
    int32_t n_lanes;
  };
  std::vector<Lane> lanes_;
  std::vector<Tile> tiles_;

  // Activations, [tokens][width] each, for the largest batch so far.
  int32_t reserved_tokens_ = 0;
  uint64_t allocated_bytes_ = 0;
  RowBuffer x_;                // residual stream [n_embd]
  RowBuffer xn_;               // normalised input of a block [n_embd]
  RowBuffer q_;                // [q_dim]
  RowBuffer k_;                // [kv_dim]
  RowBuffer v_;                // [kv_dim]
  RowBuffer attn_;             // attention output before projection [q_dim]
  RowBuffer proj_;             // block output before the residual add [n_embd]
  RowBuffer gate_;             // [n_ff]
  RowBuffer up_;               // [n_ff]
  RowBuffer out_rows_;         // final normalised rows that need logits [n_embd]
  RowBuffer rope_cos_sin_;     // each token's rotation, for all layers [n_rot]
  kernels::QuantizedRows xq_;  // xn_ quantized for the fast path
};

}  // namespace yak::model
