#include "yak/sampler.h"

#include <cmath>
#include <limits>
#include <random>

#include "core/error.h"
#include "runtime/sampling_filters.h"
#include "runtime/sampling_penalties.h"
#include "runtime/sampling_rng.h"

namespace yak {
namespace {

void validate(const SamplingParams& p, int32_t n_vocab) {
  if (n_vocab < 1) fail("sampler: vocabulary size must be at least 1, got {}", n_vocab);
  if (std::isnan(p.temperature)) fail("sampler: temperature is NaN");
  if (std::isnan(p.top_p)) fail("sampler: top_p is NaN");
  if (std::isnan(p.min_p)) fail("sampler: min_p is NaN");
  if (!(p.repeat_penalty > 0.0f) || !std::isfinite(p.repeat_penalty))
    fail("sampler: repeat_penalty must be a finite number above 0 (1 = off), got {}",
         p.repeat_penalty);
  if (p.repeat_last_n < -1)
    fail("sampler: repeat_last_n must be -1 (all), 0 (off) or a window size, got {}",
         p.repeat_last_n);
  if (!std::isfinite(p.frequency_penalty))
    fail("sampler: frequency_penalty must be finite, got {}", p.frequency_penalty);
  if (!std::isfinite(p.presence_penalty))
    fail("sampler: presence_penalty must be finite, got {}", p.presence_penalty);
  for (const auto& [token, bias] : p.logit_bias) {
    if (token < 0 || token >= n_vocab)
      fail("sampler: logit_bias names token {}, outside the vocabulary of {}", token, n_vocab);
    if (std::isnan(bias) || bias == std::numeric_limits<float>::infinity())
      fail("sampler: logit_bias of token {} must be finite or -inf, got {}", token, bias);
  }
}

sampling::PenaltyParams penalty_params(const SamplingParams& p) {
  return {p.repeat_penalty, p.frequency_penalty, p.presence_penalty, p.repeat_last_n};
}

}  // namespace

uint64_t resolve_seed(uint64_t seed) {
  if (seed != kRandomSeed) return seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) | device();
}

struct Sampler::Impl {
  Impl(const SamplingParams& p, int32_t n)
      : params(p), n_vocab(n), penalties(penalty_params(p), n) {
    reseed();
  }

  void reseed() {
    seed = resolve_seed(params.seed);
    rng.reseed(seed);
  }

  // The logits the chain starts from: the input itself, or a biased and penalised copy.
  std::span<const float> penalised(std::span<const float> logits) {
    if (!penalties.enabled() && params.logit_bias.empty()) return logits;
    work.assign(logits.begin(), logits.end());  // no reallocation after the first call
    for (const auto& [token, bias] : params.logit_bias) work[token] += bias;
    penalties.apply(work.data());
    return work;
  }

  int32_t sample(std::span<const float> input) {
    if (input.size() != static_cast<size_t>(n_vocab))
      fail("sampler: got {} logits for a vocabulary of {}", input.size(), n_vocab);
    const std::span<const float> logits = penalised(input);
    if (params.temperature <= 0.0f) {
      const int32_t best = sampling::argmax(logits);
      if (best < 0) fail("sampler: every logit is -inf or NaN; no token can be chosen");
      return best;
    }
    if (candidates.data.empty()) {
      candidates.data.resize(n_vocab);
      weights.resize(n_vocab);
    }
    const int32_t k = params.top_k;
    const bool small_k = k > 0 && k < n_vocab && k <= sampling::kMaxHeapTopK;
    if (!(small_k ? sampling::gather_top_k(logits, k, candidates)
                  : sampling::gather(logits, candidates)))
      fail("sampler: every logit is -inf or NaN; no token can be chosen");
    if (!small_k) sampling::top_k(candidates, k);
    sampling::top_p(candidates, params.top_p);
    sampling::min_p(candidates, params.min_p);
    return sampling::draw(candidates, params.temperature, rng, weights);
  }

  SamplingParams params;
  int32_t n_vocab;
  uint64_t seed = 0;
  sampling::Rng rng;
  sampling::PenaltyWindow penalties;
  // Scratch kept across calls so that sampling does not allocate.
  std::vector<float> work;
  sampling::Candidates candidates;
  std::vector<float> weights;
};

Sampler::Sampler(const SamplingParams& params, int32_t n_vocab) {
  validate(params, n_vocab);
  impl_ = std::make_unique<Impl>(params, n_vocab);
}

Sampler::~Sampler() = default;
Sampler::Sampler(Sampler&&) noexcept = default;
Sampler& Sampler::operator=(Sampler&&) noexcept = default;

int32_t Sampler::sample(std::span<const float> logits) { return impl_->sample(logits); }

void Sampler::accept(int32_t token) {
  if (token < 0 || token >= impl_->n_vocab)
    fail("sampler: token {} is outside the vocabulary (size {})", token, impl_->n_vocab);
  impl_->penalties.accept(token);
}

void Sampler::reset() {
  impl_->penalties.clear();
  impl_->reseed();
}

const SamplingParams& Sampler::params() const { return impl_->params; }
uint64_t Sampler::seed() const { return impl_->seed; }

}  // namespace yak
