// Log-probabilities of tokens under a model's next-token distribution, as the OpenAI API
// reports them (`logprobs`, `top_logprobs`).
//
// They are taken from the model's own distribution, log_softmax(logits), before any
// penalty, bias, temperature or filter: what the model thinks, not what the sampler did
// with it. vLLM reports the same by default, and it is what a perplexity or a
// multiple-choice score needs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace yak {

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0;  // natural log; -inf for a token the model rules out
};

struct Logprobs {
  TokenLogprob chosen;
  std::vector<TokenLogprob> top;  // the n_top most likely tokens, most likely first (ties:
                                  // lower id first)
};

// `logits` holds one value per vocabulary entry; NaN counts as -inf. Throws yak::Error for
// a chosen token outside the vocabulary, n_top < 0, or logits that are all -inf/NaN.
Logprobs token_logprobs(std::span<const float> logits, int32_t chosen, int32_t n_top);

}  // namespace yak
