// The forward pass of a Llama-family decoder over a batch of tokens that may
// belong to different sequences.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "kernels/linear.h"
#include "model/weights.h"

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

class Decoder {
 public:
  // `max_tokens` bounds the tokens of one forward() call; activations for that
  // many are allocated once here, so forward() does not allocate.
  Decoder(const ModelConfig& config, const ModelWeights& weights, int32_t max_tokens);

  int32_t max_tokens() const { return max_tokens_; }

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

  const ModelConfig& config_;
  const ModelWeights& weights_;
  int32_t max_tokens_;
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

  // Activations, [max_tokens][width] each.
  std::vector<float> x_;         // residual stream [n_embd]
  std::vector<float> xn_;        // normalised input of a block [n_embd]
  std::vector<float> q_;         // [q_dim]
  std::vector<float> k_;         // [kv_dim]
  std::vector<float> v_;         // [kv_dim]
  std::vector<float> attn_;      // attention output before projection [q_dim]
  std::vector<float> proj_;      // block output before the residual add [n_embd]
  std::vector<float> gate_;      // [n_ff]
  std::vector<float> up_;        // [n_ff]
  std::vector<float> out_rows_;  // final normalised rows that need logits [n_embd]
  std::vector<float> rope_cos_sin_;  // each token's rotation, for all layers [n_rot]
  kernels::QuantizedRows xq_;        // xn_ quantized for the fast path
};

}  // namespace yak::model
