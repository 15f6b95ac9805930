// KL divergence of one position's next-token distributions, KL(base || model) in nats.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "eval/log_softmax.h"

namespace yak::eval {

// From both rows of logits in full.
double kld_full(std::span<const float> base_logits, std::span<const float> model_logits);

// What the base file keeps of one position (see BaseLogProbs).
struct BasePosition {
  std::span<const int32_t> top_ids;
  std::span<const float> top_logprobs;
  float rest_logmass;
  std::span<const int32_t> tail_ids = {};  // samples of the rest, in proportion to p
  std::span<const float> tail_logprobs = {};
};

// From the base's top k and rest: the rest's part estimated from its samples, or, without
// samples, the model's distribution coarsened the same way (a lower bound);
// `q` is the model row's normalizer. `in_top` is scratch of n_vocab zeros, left as zeros.
double kld_top_k(const BasePosition& base, std::span<const float> model_logits,
                 const RowNormalizer& q, std::vector<uint8_t>& in_top);

}  // namespace yak::eval
