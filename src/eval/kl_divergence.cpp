// KL divergence and the other figures of llama.cpp's `--kl-divergence` (see yak/eval.h).
#include <algorithm>
#include <cmath>

#include "eval/kld_math.h"
#include "eval/log_softmax.h"
#include "eval/statistics.h"
#include "eval/window_runner.h"
#include "yak/error.h"
#include "yak/eval.h"
#include "yak/tokenizer.h"

namespace yak::eval {
namespace {

// Running sums, as llama.cpp keeps them.
struct KldSums {
  NllSums nll, nll_base;
  double nll_nll_base = 0;
  double kld = 0, kld2 = 0;
  double p_diff = 0, p_diff2 = 0, p_diff4 = 0;
  int64_t same_top = 0;
  int64_t count = 0;
};

KldResult summarize(const KldSums& s) {
  KldResult r;
  r.n_positions = s.count;
  const Estimate ln_ppl = mean_with_stderr_min10(s.nll.sum, s.nll.sum2, s.count);
  const Estimate ln_base = mean_with_stderr_min10(s.nll_base.sum, s.nll_base.sum2, s.count);
  r.ppl = {std::exp(ln_ppl.value), std::exp(ln_ppl.value) * ln_ppl.uncertainty};
  r.ppl_base = {std::exp(ln_base.value), std::exp(ln_base.value) * ln_base.uncertainty};
  const double cov = covariance_of_means(s.nll.sum, s.nll_base.sum, s.nll_nll_base, s.count);
  const double denom = ln_ppl.uncertainty * ln_base.uncertainty;
  r.ppl_correlation = denom > 0 ? cov / denom : 0;
  const double ratio_var =
      ln_ppl.uncertainty * ln_ppl.uncertainty + ln_base.uncertainty * ln_base.uncertainty - 2 * cov;
  r.ln_ppl_ratio = {ln_ppl.value - ln_base.value, std::sqrt(std::max(0.0, ratio_var))};
  const double ratio = std::exp(r.ln_ppl_ratio.value);
  r.ppl_ratio = {ratio, ratio * r.ln_ppl_ratio.uncertainty};
  const double ppl_cov = r.ppl.value * r.ppl_base.value * cov;
  const double diff_var = r.ppl.uncertainty * r.ppl.uncertainty +
                          r.ppl_base.uncertainty * r.ppl_base.uncertainty - 2 * ppl_cov;
  r.ppl_diff = {r.ppl.value - r.ppl_base.value, std::sqrt(std::max(0.0, diff_var))};
  r.kld = mean_with_stderr_min10(s.kld, s.kld2, s.count);
  r.delta_p = mean_with_stderr_min10(s.p_diff, s.p_diff2, s.count);
  const Estimate mse = mean_with_stderr_min10(s.p_diff2, s.p_diff4, s.count);
  const double rms = std::sqrt(mse.value);
  r.rms_delta_p = {rms, rms > 0 ? 0.5 / rms * mse.uncertainty : 0};
  const double top = s.count ? double(s.same_top) / double(s.count) : 0;
  r.same_top = {top, s.count > 1 ? std::sqrt(top * (1 - top) / double(s.count - 1)) : 0};
  return r;
}

void add_percentiles(KldResult& r, std::vector<float>& kld, std::vector<float>& p_diff) {
  if (kld.empty()) return;
  std::sort(kld.begin(), kld.end());
  std::sort(p_diff.begin(), p_diff.end());
  r.kld_max = kld.back();
  r.kld_p999 = percentile(kld, 0.999);
  r.kld_p99 = percentile(kld, 0.99);
  r.kld_p95 = percentile(kld, 0.95);
  r.kld_p90 = percentile(kld, 0.90);
  r.kld_median = median(kld);
  r.kld_p10 = percentile(kld, 0.10);
  r.kld_p05 = percentile(kld, 0.05);
  r.kld_p01 = percentile(kld, 0.01);
  r.kld_p001 = percentile(kld, 0.001);
  r.kld_min = kld.front();
  r.delta_p_max = p_diff.back();
  r.delta_p_p999 = percentile(p_diff, 0.999);
  r.delta_p_p99 = percentile(p_diff, 0.99);
  r.delta_p_p95 = percentile(p_diff, 0.95);
  r.delta_p_p90 = percentile(p_diff, 0.90);
  r.delta_p_p75 = percentile(p_diff, 0.75);
  r.delta_p_median = median(p_diff);
  r.delta_p_p25 = percentile(p_diff, 0.25);
  r.delta_p_p10 = percentile(p_diff, 0.10);
  r.delta_p_p05 = percentile(p_diff, 0.05);
  r.delta_p_p01 = percentile(p_diff, 0.01);
  r.delta_p_p001 = percentile(p_diff, 0.001);
  r.delta_p_min = p_diff.front();
}

}  // namespace

KldResult kl_divergence(std::shared_ptr<const Model> model, const BaseLogProbs& base,
                        const RunOptions& options, const KldProgress& progress) {
  const Tokenizer& tokenizer = model->tokenizer();
  if (tokenizer.n_vocab() != base.n_vocab) {
    fail(
        "the model's vocabulary has {} tokens but the base's ({}) has {}: KL divergence needs "
        "the same vocabulary",
        tokenizer.n_vocab(), base.description, base.n_vocab);
  }
  if (vocabulary_hash(tokenizer) != base.vocab_hash) {
    fail(
        "the model's vocabulary differs from the base's ({}), though both have {} tokens: KL "
        "divergence needs the same vocabulary",
        base.description, base.n_vocab);
  }
  const Windows& windows = base.windows;
  const int32_t per_window = windows.scored_per_window();
  const int32_t k = base.top_k;
  const int32_t m = base.tail_samples;
  const size_t entries = size_t(base.entries());
  KldSums sums;
  std::vector<float> kld_values, p_diff_values;
  kld_values.reserve(size_t(base.n_positions()));
  p_diff_values.reserve(size_t(base.n_positions()));
  std::vector<uint8_t> in_top(size_t(base.n_vocab), 0);

  const auto on_position = [&](int32_t window, int32_t j, std::span<const float> logits) {
    const size_t at = size_t(window) * per_window + size_t(j - windows.first_scored());
    const std::span<const int32_t> ids =
        std::span<const int32_t>(base.top_ids).subspan(at * entries, entries);
    const std::span<const float> lps =
        std::span<const float>(base.top_logprobs).subspan(at * entries, entries);
    const BasePosition bp{.top_ids = ids.first(k),
                          .top_logprobs = lps.first(k),
                          .rest_logmass = base.rest_logmass[at],
                          .tail_ids = ids.subspan(k, m),
                          .tail_logprobs = lps.subspan(k, m)};
    const RowNormalizer q(logits);
    const double kld = kld_top_k(bp, logits, q, in_top);
    const double nll = -q.log_prob(logits[windows.window(window)[j + 1]]);
    const double nll_base = -double(base.target_logprob[at]);
    sums.nll.add(nll);
    sums.nll_base.add(nll_base);
    sums.nll_nll_base += nll * nll_base;
    sums.kld += kld;
    sums.kld2 += kld * kld;
    const double p_diff = std::exp(-nll) - std::exp(-nll_base);
    sums.p_diff += p_diff;
    sums.p_diff2 += p_diff * p_diff;
    sums.p_diff4 += p_diff * p_diff * p_diff * p_diff;
    sums.same_top += q.argmax == bp.top_ids[0];
    ++sums.count;
    kld_values.push_back(float(kld));
    p_diff_values.push_back(float(p_diff));
  };
  const auto on_window = [&](const Progress& p) {
    if (progress) progress(p, summarize(sums));
  };
  const double seconds = run_windows(std::move(model), windows, options, on_position, on_window);
  KldResult r = summarize(sums);
  add_percentiles(r, kld_values, p_diff_values);
  r.n_chunks = windows.n_chunks;
  r.n_ctx = windows.n_ctx;
  r.top_k = k;
  r.tail_samples = m;
  r.seconds = seconds;
  r.tokens_per_second = seconds > 0 ? double(windows.tokens.size()) / seconds : 0;
  return r;
}

}  // namespace yak::eval
