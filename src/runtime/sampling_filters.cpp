#include "runtime/sampling_filters.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace yak::sampling {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// A strict total order, so that partial sorts give the same result every time.
bool better(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

float max_logit(const Candidates& c) {
  if (c.sorted) return c.data[0].logit;
  float m = -kInf;
  for (size_t i = 0; i < c.size; ++i) m = std::max(m, c.data[i].logit);
  return m;
}

// Sorts [from, to) into place, given that [0, from) is sorted and holds the best.
void extend_sorted(Candidates& c, size_t from, size_t to) {
  auto begin = c.data.begin();
  auto end = begin + static_cast<ptrdiff_t>(c.size);
  if (to < c.size) std::nth_element(begin + from, begin + to, end, better);
  std::sort(begin + from, begin + to, better);
}

}  // namespace

int32_t argmax(std::span<const float> logits) {
  // Eight interleaved running maxima: one chain of compares would wait on the
  // previous one for each of a large vocabulary's 150k logits. A strict >
  // skips NaN and keeps the lowest id among ties, in each lane and across them.
  constexpr size_t kLanes = 8;
  float lane_max[kLanes];
  size_t lane_best[kLanes];
  for (size_t l = 0; l < kLanes; ++l) {
    lane_max[l] = -kInf;
    lane_best[l] = SIZE_MAX;
  }
  const size_t n = logits.size();
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) {
      const float v = logits[i + l];
      const bool better = v > lane_max[l];
      lane_max[l] = better ? v : lane_max[l];
      lane_best[l] = better ? i + l : lane_best[l];
    }
  }
  for (size_t l = 0; i + l < n; ++l) {
    if (logits[i + l] > lane_max[l]) {
      lane_max[l] = logits[i + l];
      lane_best[l] = i + l;
    }
  }
  size_t best = SIZE_MAX;
  float best_logit = -kInf;
  for (size_t l = 0; l < kLanes; ++l) {
    if (lane_best[l] == SIZE_MAX) continue;
    if (lane_max[l] > best_logit || (lane_max[l] == best_logit && lane_best[l] < best)) {
      best_logit = lane_max[l];
      best = lane_best[l];
    }
  }
  return best == SIZE_MAX ? -1 : static_cast<int32_t>(best);
}

bool gather(std::span<const float> logits, Candidates& out) {
  float max = -kInf;
  for (float l : logits) max = std::max(max, l);  // std::max(x, NaN) keeps x
  size_t n = 0;
  if (max == kInf) {
    // The softmax limit: all mass on the +inf tokens, shared equally.
    for (size_t i = 0; i < logits.size(); ++i) {
      if (logits[i] == kInf) out.data[n++] = {0.0f, static_cast<int32_t>(i)};
    }
  } else {
    for (size_t i = 0; i < logits.size(); ++i) {
      if (logits[i] > -kInf) out.data[n++] = {logits[i], static_cast<int32_t>(i)};
    }
  }
  out.size = n;
  out.sorted = false;
  return n > 0;
}

bool gather_top_k(std::span<const float> logits, int32_t k, Candidates& out) {
  // A heap ordered by `better` keeps its worst member at the front.
  Candidate* heap = out.data.data();
  size_t n = 0;
  float threshold = -kInf;  // the front's logit once the heap is full
  const size_t limit = static_cast<size_t>(k);
  for (size_t i = 0; i < logits.size(); ++i) {
    const float l = logits[i];
    // Ids only grow, so a tie with the front never displaces it (lower id wins);
    // the first comparison also drops NaN and -inf.
    if (!(l > threshold)) continue;
    const Candidate c{l, static_cast<int32_t>(i)};
    if (n < limit) {
      heap[n++] = c;
      std::push_heap(heap, heap + n, better);
      if (n == limit) threshold = heap[0].logit;
    } else {
      std::pop_heap(heap, heap + n, better);
      heap[n - 1] = c;
      std::push_heap(heap, heap + n, better);
      threshold = heap[0].logit;
    }
  }
  std::sort_heap(heap, heap + n, better);
  if (n > 0 && heap[0].logit == kInf) {
    // As in gather(): the +inf tokens share all the mass (the heap kept the lowest ids).
    size_t n_inf = 0;
    while (n_inf < n && heap[n_inf].logit == kInf) heap[n_inf++].logit = 0.0f;
    n = n_inf;
  }
  out.size = n;
  out.sorted = true;
  return n > 0;
}

void top_k(Candidates& c, int32_t k) {
  if (k <= 0 || static_cast<size_t>(k) >= c.size) return;
  extend_sorted(c, 0, static_cast<size_t>(k));
  c.size = static_cast<size_t>(k);
  c.sorted = true;
}

void top_p(Candidates& c, float p) {
  if (!(p < 1.0f) || c.size <= 1) return;
  const float max = max_logit(c);
  double total = 0.0;
  for (size_t i = 0; i < c.size; ++i) total += std::exp(c.data[i].logit - max);
  const double target = static_cast<double>(p) * total;
  // Typically a few dozen tokens reach p: sort a small prefix first and grow
  // it geometrically, instead of sorting the whole vocabulary.
  size_t sorted_end = c.sorted ? c.size : 0;
  double cumulative = 0.0;
  size_t keep = 0;
  while (keep < c.size) {
    if (keep == sorted_end) {
      const size_t next = std::min(c.size, std::max<size_t>(64, sorted_end * 4));
      extend_sorted(c, sorted_end, next);
      sorted_end = next;
    }
    cumulative += std::exp(c.data[keep].logit - max);
    ++keep;
    if (cumulative >= target) break;
  }
  c.size = keep;
  c.sorted = true;
}

void min_p(Candidates& c, float m) {
  if (!(m > 0.0f) || c.size <= 1) return;
  // p_i >= m * p_max  <=>  logit_i - logit_max >= log(m); m >= 1 keeps the ties of the max.
  const float max = max_logit(c);
  const float threshold = max + std::min(0.0f, std::log(m));
  if (c.sorted) {
    size_t keep = 1;
    while (keep < c.size && c.data[keep].logit >= threshold) ++keep;
    c.size = keep;
    return;
  }
  size_t keep = 0;
  for (size_t i = 0; i < c.size; ++i) {
    if (c.data[i].logit >= threshold) c.data[keep++] = c.data[i];
  }
  c.size = keep;  // >= 1: the max itself passes
}

int32_t draw(const Candidates& c, float temperature, Rng& rng, std::vector<float>& weights) {
  const float max = max_logit(c);
  double total = 0.0;
  for (size_t i = 0; i < c.size; ++i) {
    // Divide rather than multiply by 1/t: for a tiny t, 1/t overflows and 0 * inf is NaN.
    weights[i] = std::exp((c.data[i].logit - max) / temperature);
    total += weights[i];
  }
  const double u = rng.uniform() * total;
  double cumulative = 0.0;
  size_t last_nonzero = 0;
  for (size_t i = 0; i < c.size; ++i) {
    if (weights[i] == 0.0f) continue;
    cumulative += weights[i];
    last_nonzero = i;
    if (u < cumulative) return c.data[i].id;
  }
  // Rounding left u at or past the total: the last token with any weight.
  return c.data[last_nonzero].id;
}

}  // namespace yak::sampling
