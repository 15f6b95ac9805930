#include "yak/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "yak/error.h"

namespace yak {
namespace {

float value_of(float logit) {
  return std::isnan(logit) ? -std::numeric_limits<float>::infinity() : logit;
}

// Ranks candidates for the top list: higher logit first, then lower id.
bool more_likely(const TokenLogprob& a, const TokenLogprob& b) {
  return a.logprob > b.logprob || (a.logprob == b.logprob && a.token < b.token);
}

}  // namespace

Logprobs token_logprobs(std::span<const float> logits, int32_t chosen, int32_t n_top) {
  const auto n_vocab = static_cast<int64_t>(logits.size());
  if (chosen < 0 || chosen >= n_vocab)
    fail("logprobs: token {} is outside the vocabulary of {}", chosen, n_vocab);
  if (n_top < 0) fail("logprobs: the number of top tokens must be >= 0, got {}", n_top);

  float max = -std::numeric_limits<float>::infinity();
  for (float l : logits) max = std::max(max, value_of(l));
  if (max == -std::numeric_limits<float>::infinity()) fail("logprobs: every logit is -inf or NaN");
  const bool has_positive_infinity = max == std::numeric_limits<float>::infinity();
  // log_softmax(x)_i = x_i - max - log(sum exp(x_j - max)), summed in double so that a
  // vocabulary of 150k small terms loses nothing. With +inf logits the distribution is
  // uniform over those tokens.
  double sum = 0;
  int64_t n_infinite = 0;
  for (float l : logits) {
    const float v = value_of(l);
    if (has_positive_infinity)
      n_infinite += v == max;
    else
      sum += std::exp(static_cast<double>(v) - max);
  }
  const double log_sum =
      has_positive_infinity ? std::log(static_cast<double>(n_infinite)) : std::log(sum);
  const auto logprob = [&](int32_t token) {
    const float v = value_of(logits[token]);
    if (has_positive_infinity)
      return v == max ? static_cast<float>(-log_sum) : -std::numeric_limits<float>::infinity();
    return static_cast<float>(static_cast<double>(v) - max - log_sum);
  };

  Logprobs out;
  out.chosen = {chosen, logprob(chosen)};
  const int64_t k = std::min<int64_t>(n_top, n_vocab);
  if (k > 0) {
    // A bounded heap of the k best by logit: O(vocab log k), no copy of the vocabulary.
    std::vector<TokenLogprob>& top = out.top;
    top.reserve(static_cast<size_t>(k));
    // The heap's front is the least likely of those kept.
    const auto heap_order = [](const TokenLogprob& a, const TokenLogprob& b) {
      return more_likely(a, b);
    };
    for (int32_t t = 0; t < n_vocab; ++t) {
      const TokenLogprob c{t, value_of(logits[t])};
      if (static_cast<int64_t>(top.size()) < k) {
        top.push_back(c);
        std::push_heap(top.begin(), top.end(), heap_order);
      } else if (more_likely(c, top.front())) {
        std::pop_heap(top.begin(), top.end(), heap_order);
        top.back() = c;
        std::push_heap(top.begin(), top.end(), heap_order);
      }
    }
    std::sort(top.begin(), top.end(), more_likely);
    for (TokenLogprob& c : top) c.logprob = logprob(c.token);
  }
  return out;
}

}  // namespace yak
