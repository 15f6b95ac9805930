// Log-likelihoods of continuations given a context, as lm-eval's loglikelihood requests
// compute them: the sum over the continuation's tokens of log-softmax of the model's logits.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "yak/engine.h"
#include "yak/tokenizer.h"

namespace yak::eval {

// A context and its continuations as tokens, split as lm-eval's _encode_pair splits them:
// trailing spaces of the context move to the continuation, context + continuation is
// encoded whole, and the continuation is what follows the context's own encoding.
struct EncodedItem {
  std::vector<int32_t> context;
  std::vector<std::vector<int32_t>> continuations;
};

// Each choice's continuation is target_delimiter " " + the choice. Contexts too long for
// `context_size` lose tokens from the left so that the longest choice fits (lm-eval cuts
// each request by itself; the two differ only for contexts near the limit).
EncodedItem encode_item(const Tokenizer& tokenizer, const std::string& context,
                        const std::vector<std::string>& choices, int32_t context_size);

struct ChoiceScore {
  double logprob = 0;   // sum of the continuation tokens' log-probabilities
  bool greedy = false;  // every continuation token was the most likely one
};

// log(sum(exp(logits))) and the first index of the largest logit.
struct LogSoftmax {
  double log_norm = 0;
  int32_t argmax = 0;
};
LogSoftmax log_softmax(std::span<const float> logits);

struct ScorerOptions {
  int32_t parallel_items = 16;  // items decoded together
  // Decode the context once and fork a sequence per choice from it (else: each choice
  // runs as a sequence of its own holding context + continuation; the reference path).
  bool share_context = true;
  std::function<void(int64_t done)> on_progress;  // after each group of items
};

// A context sized for the items (sequences, KV pool and batch) over `threads`.
ContextOptions scorer_context_options(const std::vector<EncodedItem>& items,
                                      const ScorerOptions& options, int32_t context_size,
                                      std::shared_ptr<Threads> threads);

// Scores every item's choices in `context`, which must have no live sequences and room for
// scorer_context_options' figures.
std::vector<std::vector<ChoiceScore>> score_items(Context& context,
                                                  const std::vector<EncodedItem>& items,
                                                  const ScorerOptions& options);

}  // namespace yak::eval
