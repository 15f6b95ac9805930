#include "model/decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <new>
#include <utility>

#include "core/error.h"
#include "core/system_memory.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/ops.h"

namespace yak::model {
namespace {

size_t sz(int64_t a, int64_t b) { return static_cast<size_t>(a) * static_cast<size_t>(b); }

void add_bias(float* rows, int64_t n, int64_t width, const float* bias) {
  if (bias == nullptr) return;
  for (int64_t t = 0; t < n; ++t) kernels::add_inplace(rows + t * width, bias, width);
}

// Per-token work (norms, rotations, activations) is spread over the pool in
// prefill; a decode step's few tokens are not worth waking it for.
template <typename Fn>
void for_each_token(ThreadPool& pool, int32_t n, Fn&& fn) {
  if (n < 4) {
    for (int32_t t = 0; t < n; ++t) fn(t);
    return;
  }
  pool.parallel_for(n, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) fn(static_cast<int32_t>(t));
  });
}

// ALiBi's slope per head, as in the paper (and llama.cpp) for any head count: the powers of
// 2^(-max_bias / n) for the largest power of two n <= n_head, then the odd powers of its
// square root for the remaining heads.
std::vector<float> alibi_slopes(int32_t n_head, float max_bias) {
  const int32_t n = 1 << static_cast<int32_t>(std::floor(std::log2(n_head)));
  const double m0 = std::pow(2.0, -max_bias / n);
  const double m1 = std::pow(2.0, -max_bias / 2.0 / n);
  std::vector<float> slopes;
  for (int32_t h = 0; h < n_head; ++h)
    slopes.push_back(static_cast<float>(h < n ? std::pow(m0, h + 1) : std::pow(m1, 2 * (h - n) + 1)));
  return slopes;
}

bool any_fast(std::initializer_list<const kernels::Linear*> linears) {
  for (const kernels::Linear* l : linears)
    if (l->precision() == kernels::Precision::kFast) return true;
  return false;
}

}  // namespace

Decoder::Decoder(const ModelConfig& config, const ModelWeights& weights, int32_t max_tokens,
                 int32_t context_size, ActivationObserver* observer)
    : config_(config), weights_(weights), max_tokens_(max_tokens), observer_(observer) {
  if (max_tokens < 1) fail("batch size {} must be positive", max_tokens);
  if (observer_ != nullptr) name_observed_weights();

  if (config.n_rot > 0) {
    kernels::RopeParams global;
    global.style = config.rope_style;
    global.n_rot = config.n_rot;
    global.freq_base = config.rope_freq_base;
    global.freq_scale = config.rope_freq_scale;
    global.freq_factors = weights.rope_freqs;
    if (weights.rope_factors_long != nullptr)
      global.freq_factors = context_size > config.rope_n_ctx_orig ? weights.rope_factors_long
                                                                  : weights.rope_factors_short;
    global.attn_factor = config.rope_attn_factor;
    rope_sets_.push_back(global);
    kernels::RopeParams sliding = global;
    sliding.freq_base = config.rope_freq_base_sliding;
    sliding.freq_scale = config.rope_freq_scale_sliding;
    const bool distinct =
        sliding.freq_base != global.freq_base || sliding.freq_scale != global.freq_scale;
    if (distinct) rope_sets_.push_back(sliding);
    for (int32_t layer = 0; layer < config.n_layer; ++layer)
      layer_rope_set_.push_back(distinct && config.is_sliding(layer) ? 1 : 0);
  }
  if (config.alibi_max_bias > 0) alibi_slopes_ = alibi_slopes(config.n_head, config.alibi_max_bias);
}

void Decoder::name_observed_weights() {
  // In the order observe() indexes them; the names are bind_weights' names.
  auto add = [&](int32_t layer, const char* w) {
    observed_names_.push_back(fmt::format("blk.{}.{}.weight", layer, w));
  };
  for (int32_t layer = 0; layer < config_.n_layer; ++layer) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
    ObservedLayer o;
    o.qkv = observed_names_.size();
    if (w.fused_qkv) {
      add(layer, "attn_qkv");
    } else {
      for (const char* name : {"attn_q", "attn_k", "attn_v"}) add(layer, name);
    }
    o.qkv_count = static_cast<int32_t>(observed_names_.size() - o.qkv);
    o.wo = observed_names_.size();
    add(layer, "attn_output");
    // Routed experts' inputs are not collected: each expert sees its own tokens, which the
    // per-tensor importance format has no room for.
    if (!config_.is_moe(layer)) {
      o.gate_up = observed_names_.size();
      if (w.fused_gate_up) {
        add(layer, "ffn_up");
      } else {
        for (const char* name : {"ffn_gate", "ffn_up"}) add(layer, name);
      }
      o.gate_up_count = static_cast<int32_t>(observed_names_.size() - o.gate_up);
      o.down = observed_names_.size();
      o.down_observed = true;
      add(layer, "ffn_down");
    }
    observed_layers_.push_back(o);
  }
  observed_names_.push_back(config_.tied_output ? "token_embd.weight" : "output.weight");
}

void Decoder::observe(size_t names, int32_t count, const float* rows, int64_t n,
                      int64_t width) const {
  const std::span<const std::string> weights(observed_names_.data() + names,
                                             static_cast<size_t>(count));
  observer_->observe({weights, rows, n, width});
}

void RowBuffer::reserve(size_t floats) {
  if (floats <= floats_) return;
  data_.reset();  // the old rows are not needed: free them before allocating
  floats_ = 0;
  data_.reset(new float[floats]);  // uninitialised on purpose
  floats_ = floats;
}

uint64_t Decoder::bytes_for(int32_t n_tokens) const {
  const ModelConfig& c = config_;
  const ExpertConfig& e = c.experts;
  const uint64_t n_ff = std::max(c.n_ff, e.n_ff_shared);
  const uint64_t rope = static_cast<uint64_t>(c.n_rot) * std::max<size_t>(rope_sets_.size(), 1);
  const uint64_t floats =
      4ull * c.n_embd + 2ull * c.q_dim() + 2ull * c.kv_dim() + 2ull * n_ff + rope;
  // Per token, n_expert_used routed rows in and out, and the router's scores.
  const uint64_t routed = static_cast<uint64_t>(e.n_expert_used) *
                              (2ull * c.n_embd + 2ull * e.n_ff_expert) +
                          static_cast<uint64_t>(e.n_expert);
  // 8-bit rows: ~36 bytes per 32 values, of the widest input a projection reads.
  const uint64_t widest = std::max<uint64_t>(
      {static_cast<uint64_t>(c.n_embd), static_cast<uint64_t>(c.q_dim()), n_ff,
       static_cast<uint64_t>(e.n_ff_expert)});
  const uint64_t quantized = 2 * (widest + 31) / 32 * 36;
  return static_cast<uint64_t>(std::max(n_tokens, 0)) *
         ((floats + routed) * sizeof(float) + quantized);
}

void Decoder::reserve(int32_t n_tokens) {
  YAK_CHECK(n_tokens >= 1 && n_tokens <= max_tokens_);
  if (n_tokens <= reserved_tokens_) return;
  const ModelConfig& c = config_;
  const ExpertConfig& e = c.experts;
  const int32_t n_ff = std::max(c.n_ff, e.n_ff_shared);
  const int32_t rope = c.n_rot * static_cast<int32_t>(std::max<size_t>(rope_sets_.size(), 1));
  const int32_t routed = n_tokens * e.n_expert_used;
  const std::pair<RowBuffer*, int64_t> buffers[] = {
      {&x_, sz(n_tokens, c.n_embd)},
      {&xn_, sz(n_tokens, c.n_embd)},
      {&q_, sz(n_tokens, c.q_dim())},
      {&k_, sz(n_tokens, c.kv_dim())},
      {&v_, sz(n_tokens, c.kv_dim())},
      {&attn_, sz(n_tokens, c.q_dim())},
      {&proj_, sz(n_tokens, c.n_embd)},
      {&gate_, sz(n_tokens, n_ff)},
      {&up_, sz(n_tokens, n_ff)},
      {&out_rows_, sz(n_tokens, c.n_embd)},
      {&rope_cos_sin_, sz(n_tokens, rope)},
      {&router_, sz(n_tokens, e.n_expert)},
      {&expert_in_, sz(routed, c.n_embd)},
      {&expert_gate_, sz(routed, e.n_ff_expert)},
      {&expert_up_, sz(routed, e.n_ff_expert)},
      {&expert_out_, sz(routed, c.n_embd)}};
  try {
    for (const auto& [buffer, floats] : buffers) buffer->reserve(static_cast<size_t>(floats));
    routed_expert_.resize(static_cast<size_t>(routed));
    routed_weight_.resize(static_cast<size_t>(routed));
    routed_row_.resize(static_cast<size_t>(routed));
    expert_rows_.resize(static_cast<size_t>(e.n_expert) + 1);
  } catch (const std::bad_alloc&) {
    fail("out of memory for the activations of a batch of {} tokens ({})", n_tokens,
         format_bytes(bytes_for(n_tokens)));
  }
  reserved_tokens_ = n_tokens;
  allocated_bytes_ = bytes_for(n_tokens);
}

void Decoder::forward(const BatchView& batch, KvCache& cache, ThreadPool& pool, float* logits) {
  const auto n = static_cast<int32_t>(batch.tokens.size());
  YAK_CHECK(n >= 1 && n <= max_tokens_);
  reserve(n);
  const int64_t d = config_.n_embd;

  for (int32_t t = 0; t < n; ++t) {
    const int32_t token = batch.tokens[static_cast<size_t>(t)];
    YAK_CHECK(token >= 0 && token < config_.n_vocab);
    float* row = x_.data() + t * d;
    weights_.token_embd.dequantize_row(token, row);
    if (config_.embedding_scale != 1.0f)
      for (int64_t i = 0; i < d; ++i) row[i] *= config_.embedding_scale;
  }

  plan_attention(batch);
  const int64_t n_rot = config_.n_rot;
  const auto n_sets = static_cast<int64_t>(rope_sets_.size());
  for (int32_t t = 0; t < n; ++t)
    for (int64_t set = 0; set < n_sets; ++set)
      kernels::rope_angles(batch.positions[static_cast<size_t>(t)],
                           rope_sets_[static_cast<size_t>(set)],
                           rope_cos_sin_.data() + (t * n_sets + set) * n_rot);
  for (int32_t layer = 0; layer < config_.n_layer; ++layer) {
    attention_block(layer, batch, cache, pool);
    feed_forward_block(layer, n, pool);
  }

  // Only rows that want logits go through the final norm and the (large)
  // output projection.
  int32_t n_out = 0;
  for (int32_t t = 0; t < n; ++t) {
    if (batch.want_logits[static_cast<size_t>(t)] == 0) continue;
    kernels::rms_norm(x_.data() + t * d, weights_.output_norm, out_rows_.data() + n_out * d, d,
                      config_.rms_eps);
    ++n_out;
  }
  if (observer_ != nullptr && n_out > 0)
    observe(observed_names_.size() - 1, 1, out_rows_.data(), n_out, d);
  if (n_out == 0) return;
  weights_.output.forward(out_rows_.data(), d, n_out, logits, config_.n_vocab, pool);
  if (const float cap = config_.final_logit_softcap; cap > 0) {
    float* end = logits + static_cast<int64_t>(n_out) * config_.n_vocab;
    for (float* l = logits; l != end; ++l) *l = cap * std::tanh(*l / cap);
  }
}

void Decoder::project_qkv(int32_t layer, int32_t n, ThreadPool& pool) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int64_t d = config_.n_embd;
  const int64_t q_dim = config_.q_dim();
  const int64_t kv_dim = config_.kv_dim();
  if (observer_ != nullptr) {
    const ObservedLayer& o = observed_layers_[static_cast<size_t>(layer)];
    observe(o.qkv, o.qkv_count, xn_.data(), n, d);
  }
  // Q, K and V read the same rows: quantize them once.
  if (any_fast({&w.wq, &w.wk, &w.wv})) {
    xq_.quantize(xn_.data(), d, n, d, pool);
    const kernels::Projection qkv[] = {
        {&w.wq, q_.data(), q_dim}, {&w.wk, k_.data(), kv_dim}, {&w.wv, v_.data(), kv_dim}};
    kernels::Linear::forward_many(qkv, xq_, d, pool);
  } else {
    w.wq.forward(xn_.data(), d, n, q_.data(), q_dim, pool);
    w.wk.forward(xn_.data(), d, n, k_.data(), kv_dim, pool);
    w.wv.forward(xn_.data(), d, n, v_.data(), kv_dim, pool);
  }
  add_bias(q_.data(), n, q_dim, w.bq);
  add_bias(k_.data(), n, kv_dim, w.bk);
  add_bias(v_.data(), n, kv_dim, w.bv);
  if (w.q_norm == nullptr) return;
  const int32_t head_dim = config_.head_dim;
  for_each_token(pool, n, [&](int32_t t) {
    for (int32_t h = 0; h < config_.n_head; ++h) {
      float* head = q_.data() + t * q_dim + static_cast<int64_t>(h) * head_dim;
      kernels::rms_norm(head, w.q_norm, head, head_dim, config_.rms_eps);
    }
    for (int32_t h = 0; h < config_.n_head_kv; ++h) {
      float* head = k_.data() + t * kv_dim + static_cast<int64_t>(h) * head_dim;
      kernels::rms_norm(head, w.k_norm, head, head_dim, config_.rms_eps);
    }
  });
}

void Decoder::attention_block(int32_t layer, const BatchView& batch, KvCache& cache,
                              ThreadPool& pool) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const auto n = static_cast<int32_t>(batch.tokens.size());
  const int64_t d = config_.n_embd;
  const int64_t q_dim = config_.q_dim();
  const int64_t kv_dim = config_.kv_dim();

  for_each_token(pool, n, [&](int32_t t) {
    kernels::rms_norm(x_.data() + t * d, w.attn_norm, xn_.data() + t * d, d, config_.rms_eps);
  });
  project_qkv(layer, n, pool);

  // Rotate, then store every token's key and value before any attention, so a
  // token sees the earlier tokens of its own sequence in this same batch.
  const int64_t n_rot = config_.n_rot;
  const auto n_sets = static_cast<int64_t>(rope_sets_.size());
  for_each_token(pool, n, [&](int32_t t) {
    const int32_t pos = batch.positions[static_cast<size_t>(t)];
    const int32_t seq = batch.seq_ids[static_cast<size_t>(t)];
    if (n_sets > 0) {
      const int64_t set = layer_rope_set_[static_cast<size_t>(layer)];
      const kernels::RopeParams& rope = rope_sets_[static_cast<size_t>(set)];
      const float* cos_sin = rope_cos_sin_.data() + (t * n_sets + set) * n_rot;
      kernels::rope_rotate(q_.data() + t * q_dim, config_.n_head, config_.head_dim, cos_sin, rope);
      kernels::rope_rotate(k_.data() + t * kv_dim, config_.n_head_kv, config_.head_dim, cos_sin,
                           rope);
    }
    std::copy_n(k_.data() + t * kv_dim, kv_dim, cache.key(layer, seq, pos));
    std::copy_n(v_.data() + t * kv_dim, kv_dim, cache.value(layer, seq, pos));
  });

  attend(layer, batch, cache, pool);

  if (observer_ != nullptr)
    observe(observed_layers_[static_cast<size_t>(layer)].wo, 1, attn_.data(), n, q_dim);
  w.wo.forward(attn_.data(), q_dim, n, proj_.data(), d, pool);
  add_block_output(w.attn_post_norm, n, pool);
}

void Decoder::add_block_output(const float* post_norm, int32_t n, ThreadPool& pool) {
  const int64_t d = config_.n_embd;
  for_each_token(pool, n, [&](int32_t t) {
    float* out = proj_.data() + t * d;
    if (post_norm != nullptr) kernels::rms_norm(out, post_norm, out, d, config_.rms_eps);
    kernels::add_inplace(x_.data() + t * d, out, d);
  });
}

void Decoder::plan_attention(const BatchView& batch) {
  // Lanes are (token, query head of a group) pairs in batch order; a tile
  // takes up to kAttentionLanes consecutive lanes of one sequence.
  const int32_t group = config_.n_head / config_.n_head_kv;
  lanes_.clear();
  tiles_.clear();
  for (int32_t t = 0; t < static_cast<int32_t>(batch.tokens.size()); ++t) {
    const int32_t seq = batch.seq_ids[static_cast<size_t>(t)];
    for (int32_t g = 0; g < group; ++g) {
      if (tiles_.empty() || tiles_.back().seq != seq ||
          tiles_.back().n_lanes == kernels::cpu::kAttentionLanes)
        tiles_.push_back({seq, static_cast<int32_t>(lanes_.size()), 0});
      lanes_.push_back({t, g});
      ++tiles_.back().n_lanes;
    }
  }
}

void Decoder::attend(int32_t layer, const BatchView& batch, const KvCache& cache,
                     ThreadPool& pool) {
  const kernels::cpu::KernelTable& k = kernels::cpu::active_kernels();
  const int32_t head_dim = config_.head_dim;
  const int64_t q_dim = config_.q_dim();
  const int32_t group = config_.n_head / config_.n_head_kv;
  const float scale = config_.attention_scale;
  // A sliding layer's query at position p sees keys p - window + 1 .. p.
  const int32_t window = config_.is_sliding(layer) ? config_.sliding_window : 0;
  const int64_t tasks = static_cast<int64_t>(tiles_.size()) * config_.n_head_kv;
  // Later tokens see more keys, so tasks are handed out one by one rather than
  // in equal contiguous ranges.
  std::atomic<int64_t> next{0};
  pool.run([&](int, int) {
    thread_local std::vector<const float*> keys, values;
    thread_local std::vector<int32_t> lengths;
    for (int64_t task = next++; task < tasks; task = next++) {
      const Tile& tile = tiles_[static_cast<size_t>(task / config_.n_head_kv)];
      const auto kv_head = static_cast<int32_t>(task % config_.n_head_kv);
      kernels::cpu::AttentionTile at;
      at.n_queries = tile.n_lanes;
      at.alibi = !alibi_slopes_.empty();
      int32_t min_first = std::numeric_limits<int32_t>::max(), max_last = 0;
      for (int32_t i = 0; i < tile.n_lanes; ++i) {
        const Lane& lane = lanes_[static_cast<size_t>(tile.first_lane + i)];
        const int32_t head = kv_head * group + lane.g;
        const int64_t offset = lane.token * q_dim + static_cast<int64_t>(head) * head_dim;
        at.q[i] = q_.data() + offset;
        at.out[i] = attn_.data() + offset;
        at.last_key[i] = batch.positions[static_cast<size_t>(lane.token)];
        at.first_key[i] = window > 0 ? std::max(0, at.last_key[i] - window + 1) : 0;
        if (at.alibi) at.alibi_slope[i] = alibi_slopes_[static_cast<size_t>(head)];
        min_first = std::min(min_first, at.first_key[i]);
        max_last = std::max(max_last, at.last_key[i]);
      }
      keys.clear();
      values.clear();
      lengths.clear();
      for (int32_t j = min_first; j <= max_last; j += cache.run_length(j)) {
        keys.push_back(cache.key(layer, tile.seq, j) + static_cast<int64_t>(kv_head) * head_dim);
        values.push_back(cache.value(layer, tile.seq, j) +
                         static_cast<int64_t>(kv_head) * head_dim);
        lengths.push_back(cache.run_length(j));
      }
      const kernels::cpu::KeyValueRuns runs{keys.data(),
                                            values.data(),
                                            lengths.data(),
                                            static_cast<int32_t>(lengths.size()),
                                            config_.kv_dim(),
                                            min_first};
      k.attend(at.n_queries)(at, runs, head_dim, scale);
    }
  });
}

void Decoder::feed_forward_block(int32_t layer, int32_t n, ThreadPool& pool) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int64_t d = config_.n_embd;
  for_each_token(pool, n, [&](int32_t t) {
    kernels::rms_norm(x_.data() + t * d, w.ffn_norm, xn_.data() + t * d, d, config_.rms_eps);
  });
  if (config_.is_moe(layer))
    routed_feed_forward(layer, n, pool);
  else
    dense_feed_forward(layer, n, pool);
  add_block_output(w.ffn_post_norm, n, pool);
}

void Decoder::activate(float* gate, const float* up, int32_t n, int64_t ff,
                       ThreadPool& pool) const {
  const kernels::cpu::KernelTable& k = kernels::cpu::active_kernels();
  const auto act = config_.activation == Activation::kGeluTanh ? k.gelu_mul : k.silu_mul;
  for_each_token(pool, n, [&](int32_t t) { act(gate + t * ff, up + t * ff, gate + t * ff, ff); });
}

void Decoder::dense_feed_forward(int32_t layer, int32_t n, ThreadPool& pool) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int64_t d = config_.n_embd;
  const int64_t ff = config_.n_ff;
  const ObservedLayer* o =
      observer_ != nullptr ? &observed_layers_[static_cast<size_t>(layer)] : nullptr;
  if (o != nullptr) observe(o->gate_up, o->gate_up_count, xn_.data(), n, d);
  if (any_fast({&w.w_gate, &w.w_up})) {
    xq_.quantize(xn_.data(), d, n, d, pool);
    const kernels::Projection gate_up[] = {{&w.w_gate, gate_.data(), ff},
                                           {&w.w_up, up_.data(), ff}};
    kernels::Linear::forward_many(gate_up, xq_, d, pool);
  } else {
    w.w_gate.forward(xn_.data(), d, n, gate_.data(), ff, pool);
    w.w_up.forward(xn_.data(), d, n, up_.data(), ff, pool);
  }
  activate(gate_.data(), up_.data(), n, ff, pool);
  if (o != nullptr) observe(o->down, 1, gate_.data(), n, ff);
  w.w_down.forward(gate_.data(), ff, n, proj_.data(), d, pool);
}

}  // namespace yak::model
