// The base model's compact log-probabilities (see BaseLogProbs in yak/eval.h).
#include <cmath>
#include <limits>

#include "eval/log_softmax.h"
#include "eval/window_runner.h"
#include "yak/error.h"
#include "yak/eval.h"
#include "yak/tokenizer.h"

namespace yak::eval {

uint64_t vocabulary_hash(const Tokenizer& tokenizer) {
  uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&h](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  };
  const int32_t n = tokenizer.n_vocab();
  mix(&n, sizeof n);
  for (int32_t id = 0; id < n; ++id) {
    const std::string& text = tokenizer.token_text(id);
    const uint32_t size = uint32_t(text.size());
    mix(&size, sizeof size);
    mix(text.data(), text.size());
  }
  return h;
}

namespace {

// A number in [0, 1) fixed by the position (splitmix64), the start of its systematic sample.
double sample_start(uint64_t position) {
  uint64_t z = position + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return double(z >> 11) * 0x1.0p-53;
}

}  // namespace

BaseLogProbs compute_base_logprobs(std::shared_ptr<const Model> base, const Windows& windows,
                                   int32_t top_k, int32_t tail_samples, const RunOptions& options,
                                   const std::function<void(const Progress&)>& progress) {
  const int32_t n_vocab = base->info().n_vocab;
  if (top_k < 1 || top_k > n_vocab) {
    fail("--top-k must be between 1 and the vocabulary's {} tokens, not {}", n_vocab, top_k);
  }
  if (tail_samples < 0 || tail_samples > 65536) {
    fail("--tail-samples must be between 0 and 65536, not {}", tail_samples);
  }
  BaseLogProbs b;
  b.windows = windows;
  b.tail_samples = tail_samples;
  b.n_vocab = n_vocab;
  b.top_k = top_k;
  b.vocab_hash = vocabulary_hash(base->tokenizer());
  const size_t n = size_t(windows.n_scored());
  b.target_logprob.reserve(n);
  b.rest_logmass.reserve(n);
  b.top_ids.reserve(n * (top_k + tail_samples));
  b.top_logprobs.reserve(n * (top_k + tail_samples));
  std::vector<int32_t> scratch, ids;
  std::vector<uint8_t> in_top(size_t(n_vocab), 0);
  const auto on_position = [&](int32_t window, int32_t j, std::span<const float> logits) {
    const RowNormalizer row(logits);
    b.target_logprob.push_back(float(row.log_prob(logits[windows.window(window)[j + 1]])));
    top_k_ids(logits, top_k, scratch, ids);
    for (int32_t id : ids) {
      in_top[id] = 1;
      b.top_ids.push_back(id);
      b.top_logprobs.push_back(float(row.log_prob(logits[id])));
    }
    // Summed over the other tokens themselves (not as the total minus the top k, which
    // would lose a small rest to rounding).
    double rest = 0;
    for (int32_t id = 0; id < n_vocab; ++id) {
      if (!in_top[id]) rest += row.scaled_exp(logits[id]);
    }
    // Systematic sampling of the rest in proportion to probability: one token at each
    // step of rest/m through the rest's cumulative mass (in id order).
    if (tail_samples > 0) {
      const size_t first_sample = b.top_ids.size();
      const double step = rest / tail_samples;
      double next = sample_start(b.target_logprob.size() - 1) * step, cumulative = 0;
      int32_t last = ids.back();
      for (int32_t id = 0; id < n_vocab && rest > 0; ++id) {
        if (in_top[id]) continue;
        const double e = row.scaled_exp(logits[id]);
        if (e > 0) last = id;
        cumulative += e;
        while (next < cumulative && b.top_ids.size() - first_sample < size_t(tail_samples)) {
          b.top_ids.push_back(id);
          b.top_logprobs.push_back(float(row.log_prob(logits[id])));
          next += step;
        }
      }
      // Rounding can leave the last step just past the end.
      while (b.top_ids.size() - first_sample < size_t(tail_samples)) {
        b.top_ids.push_back(last);
        b.top_logprobs.push_back(float(row.log_prob(logits[last])));
      }
    }
    for (int32_t id : ids) in_top[id] = 0;
    b.rest_logmass.push_back(rest > 0 ? float(std::log(rest) - row.log_sum_exp)
                                      : -std::numeric_limits<float>::infinity());
  };
  run_windows(std::move(base), windows, options, on_position, progress);
  return b;
}

}  // namespace yak::eval
