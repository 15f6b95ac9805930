// Perplexity as llama.cpp's `llama-perplexity` computes it (see yak/eval.h).
#include <cmath>

#include "eval/log_softmax.h"
#include "eval/statistics.h"
#include "eval/window_runner.h"
#include "yak/eval.h"

namespace yak::eval {

PerplexityResult perplexity(std::shared_ptr<const Model> model, const Windows& windows,
                            const RunOptions& options, const PerplexityProgress& progress) {
  PerplexityResult r;
  NllSums sums;
  const auto on_position = [&](int32_t window, int32_t j, std::span<const float> logits) {
    const RowNormalizer row(logits);
    const int32_t target = windows.window(window)[j + 1];
    sums.add(-row.log_prob(logits[target]));
  };
  const auto on_window = [&](const Progress& p) {
    r.running_ppl.push_back(sums.running_ppl());
    if (progress) progress(p, r.running_ppl.back());
  };
  r.seconds = run_windows(std::move(model), windows, options, on_position, on_window);
  r.ppl = sums.ppl();
  r.nll = mean_with_stderr(sums.sum, sums.sum2, sums.count);
  r.n_scored = sums.count;
  r.n_chunks = windows.n_chunks;
  r.n_ctx = windows.n_ctx;
  r.n_text_tokens = windows.n_text_tokens;
  r.tokens_per_second = r.seconds > 0 ? double(windows.tokens.size()) / r.seconds : 0;
  return r;
}

}  // namespace yak::eval
