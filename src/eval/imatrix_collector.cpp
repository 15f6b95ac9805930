#include "eval/imatrix_collector.h"

#include <cmath>

#include "yak/error.h"

namespace yak::eval {

bool ImatrixCollector::wanted(const std::string& weight) const {
  // The blocks' products; the output projection only when asked (when tied to the
  // embedding it is token_embd.weight, which llama.cpp never collects either).
  return weight.starts_with("blk.") || (process_output_ && weight == "output.weight");
}

void ImatrixCollector::observe(const ActivationRows& rows) {
  if (rows.weights.empty() || rows.n_rows < kMinRows || !wanted(rows.weights.front())) return;
  const auto width = static_cast<size_t>(rows.width);
  Sums& s = by_first_weight_[rows.weights.front()];
  if (s.sum.empty()) {
    s.weights.assign(rows.weights.begin(), rows.weights.end());
    s.sum.assign(width, 0.0);
  } else if (s.sum.size() != width) {
    fail("activation rows of {} have {} columns, not the {} seen before", rows.weights.front(),
         width, s.sum.size());
  }
  for (int64_t r = 0; r < rows.n_rows; ++r) {
    const float* x = rows.rows + r * rows.width;
    for (size_t j = 0; j < width; ++j) s.sum[j] += double(x[j]) * double(x[j]);
  }
  s.count += rows.n_rows;
  for (size_t j = 0; j < width; ++j)
    if (!std::isfinite(s.sum[j]))
      fail("the activations of {} are not finite (column {})", rows.weights.front(), j);
}

std::map<std::string, ImatrixEntry> ImatrixCollector::entries() const {
  std::map<std::string, ImatrixEntry> out;
  for (const auto& [first, s] : by_first_weight_) {
    ImatrixEntry e;
    e.sums.reserve(s.sum.size());
    for (double v : s.sum) e.sums.push_back(static_cast<float>(v));
    e.counts = {s.count};
    for (const std::string& w : s.weights)
      if (wanted(w)) out[w] = e;
  }
  return out;
}

}  // namespace yak::eval
