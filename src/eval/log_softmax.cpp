#include "eval/log_softmax.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace yak::eval {

RowNormalizer::RowNormalizer(std::span<const float> logits) {
  max_logit = logits[0];
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > max_logit) {
      max_logit = logits[i];
      argmax = int32_t(i);
    }
  }
  for (float l : logits) sum_exp += scaled_exp(l);
  log_sum_exp = std::log(sum_exp);
}

float RowNormalizer::scaled_exp(float logit) const { return std::exp(logit - max_logit); }

void top_k_ids(std::span<const float> logits, int32_t k, std::vector<int32_t>& scratch,
               std::vector<int32_t>& out) {
  scratch.resize(logits.size());
  std::iota(scratch.begin(), scratch.end(), 0);
  const auto more_likely = [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  const size_t n = std::min<size_t>(size_t(k), logits.size());
  std::nth_element(scratch.begin(), scratch.begin() + n, scratch.end(), more_likely);
  std::sort(scratch.begin(), scratch.begin() + n, more_likely);
  out.assign(scratch.begin(), scratch.begin() + n);
}

}  // namespace yak::eval
