#include "eval/kld_math.h"

#include <cfloat>
#include <cmath>

namespace yak::eval {

double kld_full(std::span<const float> base_logits, std::span<const float> model_logits) {
  const RowNormalizer p(base_logits), q(model_logits);
  double sum = 0;
  for (size_t i = 0; i < base_logits.size(); ++i) {
    const double lp = p.log_prob(base_logits[i]);
    sum += std::exp(lp) * (lp - q.log_prob(model_logits[i]));
  }
  return sum;
}

double kld_top_k(const BasePosition& base, std::span<const float> model_logits,
                 const RowNormalizer& q, std::vector<uint8_t>& in_top) {
  double sum = 0;
  for (size_t i = 0; i < base.top_ids.size(); ++i) {
    const int32_t id = base.top_ids[i];
    in_top[id] = 1;
    const double lp = base.top_logprobs[i];
    sum += std::exp(lp) * (lp - q.log_prob(model_logits[id]));
  }
  if (std::isfinite(base.rest_logmass) && !base.tail_ids.empty()) {
    // Each sample stands for rest/m of the mass: the rest's part is rest x mean log(p/q).
    double mean = 0;
    for (size_t i = 0; i < base.tail_ids.size(); ++i) {
      mean += double(base.tail_logprobs[i]) - q.log_prob(model_logits[base.tail_ids[i]]);
    }
    sum += std::exp(double(base.rest_logmass)) * mean / double(base.tail_ids.size());
  } else if (std::isfinite(base.rest_logmass)) {
    double rest = 0;
    for (size_t id = 0; id < model_logits.size(); ++id) {
      if (!in_top[id]) rest += q.scaled_exp(model_logits[id]);
    }
    // A model that leaves no mass at all outside the top k gets the smallest positive mass,
    // so the divergence is large but finite.
    const double lq_rest = std::log(rest > 0 ? rest : DBL_TRUE_MIN) - q.log_sum_exp;
    const double lp_rest = base.rest_logmass;
    sum += std::exp(lp_rest) * (lp_rest - lq_rest);
  }
  for (int32_t id : base.top_ids) in_top[id] = 0;
  return sum;
}

}  // namespace yak::eval
