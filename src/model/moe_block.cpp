// The feed-forward of a mixture-of-experts layer: a router scores every expert
// for each token, the top n_expert_used take the token, and each expert then
// runs once over all the tokens routed to it (their rows gathered into one
// contiguous block), so its weights are read once per batch rather than once
// per token. A decode step thus reads only the chosen experts' bytes.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/ops.h"
#include "model/decoder.h"

namespace yak::model {
namespace {

// Softmax over the router's scores, in double so that near-equal experts are
// ordered as exactly as the scores allow.
void route_token(const float* scores, int32_t n_expert, int32_t k, bool norm_top_k,
                 int32_t* chosen, float* weights) {
  double max_s = -INFINITY;
  for (int32_t e = 0; e < n_expert; ++e) max_s = std::max(max_s, static_cast<double>(scores[e]));
  double sum = 0;
  for (int32_t e = 0; e < n_expert; ++e) sum += std::exp(scores[e] - max_s);
  // The k best, best first; among equal scores the lower index, as a stable sort gives.
  std::iota(chosen, chosen + k, 0);
  for (int32_t e = k; e < n_expert; ++e) {
    int32_t* worst = std::min_element(chosen, chosen + k, [&](int32_t a, int32_t b) {
      return scores[a] < scores[b] || (scores[a] == scores[b] && a > b);
    });
    if (scores[e] > scores[*worst]) *worst = e;
  }
  std::sort(chosen, chosen + k, [&](int32_t a, int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  double chosen_sum = 0;
  for (int32_t j = 0; j < k; ++j) chosen_sum += std::exp(scores[chosen[j]] - max_s) / sum;
  for (int32_t j = 0; j < k; ++j) {
    const double w = std::exp(scores[chosen[j]] - max_s) / sum;
    weights[j] = static_cast<float>(norm_top_k ? w / chosen_sum : w);
  }
}

}  // namespace

void Decoder::routed_feed_forward(int32_t layer, int32_t n, ThreadPool& pool) {
  const ExpertWeights& w = weights_.layers[static_cast<size_t>(layer)].experts;
  const ExpertConfig& x = config_.experts;
  const int64_t d = config_.n_embd;
  const int32_t k = x.n_expert_used;
  const int64_t ff = x.n_ff_expert;

  w.router.forward(xn_.data(), d, n, router_.data(), x.n_expert, pool);
  std::fill(expert_rows_.begin(), expert_rows_.end(), 0);
  for (int32_t t = 0; t < n; ++t) {
    const size_t at = static_cast<size_t>(t) * static_cast<size_t>(k);
    route_token(router_.data() + t * x.n_expert, x.n_expert, k, x.norm_top_k,
                routed_expert_.data() + at, routed_weight_.data() + at);
    for (int32_t j = 0; j < k; ++j) ++expert_rows_[static_cast<size_t>(routed_expert_[at + j]) + 1];
  }
  // expert_rows_[e] becomes the first row of expert e; rows are handed out in token order.
  std::partial_sum(expert_rows_.begin(), expert_rows_.end(), expert_rows_.begin());
  std::vector<int32_t> next(expert_rows_.begin(), expert_rows_.end() - 1);
  for (int32_t t = 0; t < n; ++t)
    for (int32_t j = 0; j < k; ++j) {
      const size_t at = static_cast<size_t>(t * k + j);
      const int32_t row = next[static_cast<size_t>(routed_expert_[at])]++;
      routed_row_[at] = row;
      std::copy_n(xn_.data() + t * d, d, expert_in_.data() + row * d);
    }

  for (int32_t e = 0; e < x.n_expert; ++e) {
    const int32_t first = expert_rows_[static_cast<size_t>(e)];
    const int32_t m = expert_rows_[static_cast<size_t>(e) + 1] - first;
    if (m == 0) continue;
    const float* in = expert_in_.data() + first * d;
    float* gate = expert_gate_.data() + first * ff;
    float* up = expert_up_.data() + first * ff;
    const kernels::Linear& wg = w.gate[static_cast<size_t>(e)];
    const kernels::Linear& wu = w.up[static_cast<size_t>(e)];
    if (wg.precision() == kernels::Precision::kFast || wu.precision() == kernels::Precision::kFast) {
      xq_.quantize(in, d, m, d, pool);
      const kernels::Projection gate_up[] = {{&wg, gate, ff}, {&wu, up, ff}};
      kernels::Linear::forward_many(gate_up, xq_, d, pool);
    } else {
      wg.forward(in, d, m, gate, ff, pool);
      wu.forward(in, d, m, up, ff, pool);
    }
    activate(gate, up, m, ff, pool);
    w.down[static_cast<size_t>(e)].forward(gate, ff, m, expert_out_.data() + first * d, d, pool);
  }

  // The shared expert runs on every token through the dense buffers; then each
  // token adds its experts' outputs, weighted, in ascending expert order (the
  // reference's order of summation).
  if (x.n_ff_shared > 0) {
    const int64_t sff = x.n_ff_shared;
    w.shared_gate_proj.forward(xn_.data(), d, n, gate_.data(), sff, pool);
    w.shared_up.forward(xn_.data(), d, n, up_.data(), sff, pool);
    activate(gate_.data(), up_.data(), n, sff, pool);
    w.shared_down.forward(gate_.data(), sff, n, proj_.data(), d, pool);
    if (w.shared_gate != nullptr)
      for (int32_t t = 0; t < n; ++t) {
        const float g = kernels::dot_f32(xn_.data() + t * d, w.shared_gate, d);
        const float scale = 1.0f / (1.0f + std::exp(-g));
        for (int64_t i = 0; i < d; ++i) proj_.data()[t * d + i] *= scale;
      }
  } else {
    std::fill_n(proj_.data(), static_cast<size_t>(n) * static_cast<size_t>(d), 0.0f);
  }
  for (int32_t t = 0; t < n; ++t) {
    int32_t order[kMaxExpertsUsed];
    const size_t at = static_cast<size_t>(t * k);
    std::iota(order, order + k, 0);
    std::sort(order, order + k, [&](int32_t a, int32_t b) {
      return routed_expert_[at + a] < routed_expert_[at + b];
    });
    float* out = proj_.data() + t * d;
    for (int32_t j = 0; j < k; ++j) {
      const size_t r = at + static_cast<size_t>(order[j]);
      kernels::axpy(routed_weight_[r], expert_out_.data() + routed_row_[r] * d, out, d);
    }
  }
}

}  // namespace yak::model
