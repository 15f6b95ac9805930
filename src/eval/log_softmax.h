// Log-probabilities from one row of logits, computed stably: exponentials of (logit - max)
// in float, summed in double, as llama.cpp's perplexity tool does.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace yak::eval {

struct RowNormalizer {
  float max_logit = 0;
  int32_t argmax = 0;  // the first index holding max_logit
  double sum_exp = 0;  // sum of exp(logit - max_logit)
  double log_sum_exp = 0;

  explicit RowNormalizer(std::span<const float> logits);
  // exp(logit - max) exactly as the sum added it, so differences of sums stay exact.
  float scaled_exp(float logit) const;
  double log_prob(float logit) const { return double(logit) - max_logit - log_sum_exp; }
};

// The k most likely ids of a row, most likely first (ties: lower id first). `scratch` is
// reused between calls.
void top_k_ids(std::span<const float> logits, int32_t k, std::vector<int32_t>& scratch,
               std::vector<int32_t>& out);

}  // namespace yak::eval
