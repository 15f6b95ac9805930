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
  //
  // `context_size` (the positions a sequence may reach) picks LongRoPE's factors, as in
  // llama.cpp: the long ones when it exceeds the model's original context.
  Decoder(const ModelConfig& config, const ModelWeights& weights, int32_t max_tokens,
          int32_t context_size, ActivationObserver* observer = nullptr);

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
  // Q, K and V of the normalised rows xn_, with their biases and per-head norms.
  void project_qkv(int32_t layer, int32_t n, ThreadPool& pool);
  void feed_forward_block(int32_t layer, int32_t n, ThreadPool& pool);
  // The FFN of a dense layer: xn_ -> proj_.
  void dense_feed_forward(int32_t layer, int32_t n, ThreadPool& pool);
  // The FFN of a mixture-of-experts layer: xn_ -> proj_ (moe_block.cpp).
  void routed_feed_forward(int32_t layer, int32_t n, ThreadPool& pool);
  // gate_[t] = act(gate_[t]) * up_[t] for n rows of width ff.
  void activate(float* gate, const float* up, int32_t n, int64_t ff, ThreadPool& pool) const;
  // Residual add of proj_ (after the post-norm, when the family has one).
  void add_block_output(const float* post_norm, int32_t n, ThreadPool& pool);
  // Groups the batch's query heads into attention tiles (once per forward).
  void plan_attention(const BatchView& batch);
  // Attention of every tile and KV head of a layer: q_ against the cache, into attn_.
  void attend(int32_t layer, const BatchView& batch, const KvCache& cache, ThreadPool& pool);

  // Hands rows to the observer, naming the weights that read them (observed_names_).
  void observe(size_t names, int32_t count, const float* rows, int64_t n, int64_t width) const;
  void name_observed_weights();

  const ModelConfig& config_;
  const ModelWeights& weights_;
  int32_t max_tokens_;
  ActivationObserver* observer_;
  // With an observer: the GGUF names of the weights that read each layer's rows (observe()
  // indexes them through ObservedLayer), then the output projection's.
  struct ObservedLayer {
    size_t qkv = 0;  // first of qkv_count names: attn_q, attn_k, attn_v, or attn_qkv
    int32_t qkv_count = 0;
    size_t wo = 0;
    size_t gate_up = 0;  // first of gate_up_count names; 0 names for a routed layer
    int32_t gate_up_count = 0;
    size_t down = 0;
    bool down_observed = false;
  };
  std::vector<ObservedLayer> observed_layers_;
  std::vector<std::string> observed_names_;

  // RoPE: one parameter set, or two where sliding layers rotate with their own base; the
  // angles of every token are computed once per forward for each set.
  std::vector<kernels::RopeParams> rope_sets_;
  std::vector<uint8_t> layer_rope_set_;  // [n_layer]
  std::vector<float> alibi_slopes_;      // [n_head], with ALiBi

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
  RowBuffer rope_cos_sin_;     // each token's rotation, per RoPE set [n_sets][n_rot]
  kernels::QuantizedRows xq_;  // xn_ quantized for the fast path

  // Mixture-of-experts scratch: router scores, and the rows routed to each expert gathered
  // expert by expert ([tokens * n_expert_used] rows).
  RowBuffer router_;       // [n_expert]
  RowBuffer expert_in_;    // [n_embd]
  RowBuffer expert_gate_;  // [n_ff_expert]
  RowBuffer expert_up_;    // [n_ff_expert]
  RowBuffer expert_out_;   // [n_embd]
  std::vector<int32_t> routed_expert_;  // [tokens][n_expert_used]: the chosen experts
  std::vector<float> routed_weight_;    // [tokens][n_expert_used]: their weights
  std::vector<int32_t> routed_row_;     // [tokens][n_expert_used]: row in the expert_* buffers
  std::vector<int32_t> expert_rows_;    // [n_expert + 1]: first row of each expert's tokens
};

}  // namespace yak::model
