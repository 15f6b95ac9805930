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

bool any_fast(std::initializer_list<const kernels::Linear*> linears) {
  for (const kernels::Linear* l : linears)
    if (l->precision() == kernels::Precision::kFast) return true;
  return false;
}

}  // namespace

Decoder::Decoder(const ModelConfig& config, const ModelWeights& weights, int32_t max_tokens,
                 ActivationObserver* observer)
    : config_(config), weights_(weights), max_tokens_(max_tokens), observer_(observer) {
  if (max_tokens < 1) fail("batch size {} must be positive", max_tokens);
  if (observer_ != nullptr) {
    // In the order observe() indexes them; the names are bind_weights' names.
    for (int32_t layer = 0; layer < config.n_layer; ++layer)
      for (const char* w :
           {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"})
        observed_names_.push_back(fmt::format("blk.{}.{}.weight", layer, w));
    observed_names_.push_back(config.tied_output ? "token_embd.weight" : "output.weight");
  }
  rope_.style = config.rope_style;
  rope_.n_rot = config.n_rot;
  rope_.freq_base = config.rope_freq_base;
  rope_.freq_scale = config.rope_freq_scale;
  rope_.freq_factors = weights.rope_freqs;
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
  const uint64_t floats = 4ull * c.n_embd + 2ull * c.q_dim() + 2ull * c.kv_dim() + 2ull * c.n_ff +
                          static_cast<uint64_t>(c.n_rot);
  // 8-bit rows: ~36 bytes per 32 values, of the widest input a projection reads.
  const uint64_t widest =
      std::max<uint64_t>({static_cast<uint64_t>(c.n_embd), static_cast<uint64_t>(c.q_dim()),
                          static_cast<uint64_t>(c.n_ff)});
  const uint64_t quantized = 2 * (widest + 31) / 32 * 36;
  return static_cast<uint64_t>(std::max(n_tokens, 0)) * (floats * sizeof(float) + quantized);
}

void Decoder::reserve(int32_t n_tokens) {
  YAK_CHECK(n_tokens >= 1 && n_tokens <= max_tokens_);
  if (n_tokens <= reserved_tokens_) return;
  const ModelConfig& c = config_;
  const std::pair<RowBuffer*, int32_t> buffers[] = {
      {&x_, c.n_embd},   {&xn_, c.n_embd},       {&q_, c.q_dim()},         {&k_, c.kv_dim()},
      {&v_, c.kv_dim()}, {&attn_, c.q_dim()},    {&proj_, c.n_embd},       {&gate_, c.n_ff},
      {&up_, c.n_ff},    {&out_rows_, c.n_embd}, {&rope_cos_sin_, c.n_rot}};
  try {
    for (const auto& [buffer, width] : buffers) buffer->reserve(sz(n_tokens, width));
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
    weights_.token_embd.dequantize_row(token, x_.data() + t * d);
  }

  plan_attention(batch);
  for (int32_t t = 0; t < n; ++t)
    kernels::rope_angles(batch.positions[static_cast<size_t>(t)], rope_,
                         rope_cos_sin_.data() + static_cast<int64_t>(t) * config_.n_rot);
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
  if (n_out > 0) weights_.output.forward(out_rows_.data(), d, n_out, logits, config_.n_vocab, pool);
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

  const size_t names = static_cast<size_t>(layer) * kNamesPerLayer;
  if (observer_ != nullptr) observe(names, 3, xn_.data(), n, d);
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

  // Rotate, then store every token's key and value before any attention, so a
  // token sees the earlier tokens of its own sequence in this same batch.
  for_each_token(pool, n, [&](int32_t t) {
    const int32_t pos = batch.positions[static_cast<size_t>(t)];
    const int32_t seq = batch.seq_ids[static_cast<size_t>(t)];
    const float* cos_sin = rope_cos_sin_.data() + static_cast<int64_t>(t) * config_.n_rot;
    kernels::rope_rotate(q_.data() + t * q_dim, config_.n_head, config_.head_dim, cos_sin, rope_);
    kernels::rope_rotate(k_.data() + t * kv_dim, config_.n_head_kv, config_.head_dim, cos_sin,
                         rope_);
    std::copy_n(k_.data() + t * kv_dim, kv_dim, cache.key(layer, seq, pos));
    std::copy_n(v_.data() + t * kv_dim, kv_dim, cache.value(layer, seq, pos));
  });

  attend(layer, batch, cache, pool);

  if (observer_ != nullptr) observe(names + 3, 1, attn_.data(), n, q_dim);
  w.wo.forward(attn_.data(), q_dim, n, proj_.data(), d, pool);
  for_each_token(pool, n, [&](int32_t t) {
    kernels::add_inplace(x_.data() + t * d, proj_.data() + t * d, d);
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
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
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
      int32_t max_last = 0;
      for (int32_t i = 0; i < tile.n_lanes; ++i) {
        const Lane& lane = lanes_[static_cast<size_t>(tile.first_lane + i)];
        const int64_t offset =
            lane.token * q_dim + static_cast<int64_t>(kv_head * group + lane.g) * head_dim;
        at.q[i] = q_.data() + offset;
        at.out[i] = attn_.data() + offset;
        at.last_key[i] = batch.positions[static_cast<size_t>(lane.token)];
        max_last = std::max(max_last, at.last_key[i]);
      }
      keys.clear();
      values.clear();
      lengths.clear();
      for (int32_t j = 0; j <= max_last; j += cache.run_length(j)) {
        keys.push_back(cache.key(layer, tile.seq, j) + static_cast<int64_t>(kv_head) * head_dim);
        values.push_back(cache.value(layer, tile.seq, j) +
                         static_cast<int64_t>(kv_head) * head_dim);
        lengths.push_back(cache.run_length(j));
      }
      const kernels::cpu::KeyValueRuns runs{keys.data(), values.data(), lengths.data(),
                                            static_cast<int32_t>(lengths.size()), config_.kv_dim()};
      k.attend(at.n_queries)(at, runs, head_dim, scale);
    }
  });
}

void Decoder::feed_forward_block(int32_t layer, int32_t n, ThreadPool& pool) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int64_t d = config_.n_embd;
  const int64_t ff = config_.n_ff;
  for_each_token(pool, n, [&](int32_t t) {
    kernels::rms_norm(x_.data() + t * d, w.ffn_norm, xn_.data() + t * d, d, config_.rms_eps);
  });
  const size_t names = static_cast<size_t>(layer) * kNamesPerLayer;
  if (observer_ != nullptr) observe(names + 4, 2, xn_.data(), n, d);
  if (any_fast({&w.w_gate, &w.w_up})) {
    xq_.quantize(xn_.data(), d, n, d, pool);
    const kernels::Projection gate_up[] = {{&w.w_gate, gate_.data(), ff},
                                           {&w.w_up, up_.data(), ff}};
    kernels::Linear::forward_many(gate_up, xq_, d, pool);
  } else {
    w.w_gate.forward(xn_.data(), d, n, gate_.data(), ff, pool);
    w.w_up.forward(xn_.data(), d, n, up_.data(), ff, pool);
  }
  const auto silu_mul = kernels::cpu::active_kernels().silu_mul;
  for_each_token(pool, n, [&](int32_t t) {
    silu_mul(gate_.data() + t * ff, up_.data() + t * ff, gate_.data() + t * ff, ff);
  });
  if (observer_ != nullptr) observe(names + 6, 1, gate_.data(), n, ff);
  w.w_down.forward(gate_.data(), ff, n, proj_.data(), d, pool);
  for_each_token(pool, n, [&](int32_t t) {
    kernels::add_inplace(x_.data() + t * d, proj_.data() + t * d, d);
  });
}

}  // namespace yak::model
