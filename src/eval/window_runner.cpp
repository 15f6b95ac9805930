#include "eval/window_runner.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "yak/error.h"

namespace yak::eval {
namespace {

struct Output {
  int32_t window;
  int32_t j;
  int32_t index;  // in the context's outputs
};

}  // namespace

double run_windows(std::shared_ptr<const Model> model, const Windows& windows,
                   const RunOptions& options, const ScoredPositionFn& on_position,
                   const WindowDoneFn& on_window) {
  if (options.n_batch < 1) fail("the batch size must be at least 1, not {}", options.n_batch);
  const int32_t n_ctx = windows.n_ctx;
  const int32_t n_vocab = model->info().n_vocab;
  for (int32_t t : windows.tokens) {
    if (t < 0 || t >= n_vocab) {
      fail("token id {} is outside the model's vocabulary of {} tokens", t, n_vocab);
    }
  }
  // Whole windows side by side when the batch holds them, else one window in pieces.
  const int32_t per_batch = std::max(1, options.n_batch / n_ctx);
  const int32_t piece = std::min(options.n_batch, n_ctx);
  ContextOptions copts;
  copts.n_threads = options.n_threads;
  copts.threads = options.threads;
  copts.max_sequences = per_batch;
  copts.context_size = n_ctx;
  copts.kv_tokens = int64_t(per_batch) * n_ctx;
  copts.max_batch_tokens = per_batch * piece;
  Context ctx(model, copts);

  const int32_t first = windows.first_scored();
  const auto start = std::chrono::steady_clock::now();
  Batch batch;
  std::vector<Output> outputs;
  for (int32_t w0 = 0; w0 < windows.n_chunks; w0 += per_batch) {
    const int32_t n_seq = std::min(per_batch, windows.n_chunks - w0);
    std::vector<SequenceId> seqs;
    for (int32_t s = 0; s < n_seq; ++s) seqs.push_back(ctx.add_sequence());
    for (int32_t p0 = 0; p0 < n_ctx; p0 += piece) {
      const int32_t p1 = std::min(n_ctx, p0 + piece);
      batch.clear();
      outputs.clear();
      for (int32_t s = 0; s < n_seq; ++s) {
        const std::span<const int32_t> tokens = windows.window(w0 + s);
        for (int32_t p = p0; p < p1; ++p) {
          // The last position's logits would predict a token past the window.
          const bool scored = p >= first && p < n_ctx - 1;
          const int32_t index = batch.add(tokens[p], p, seqs[s], scored);
          if (scored) outputs.push_back({w0 + s, p, index});
        }
      }
      ctx.decode(batch);
      // Outputs are grouped by window (the batch adds windows one after another): each
      // window's positions are handed over in order, and a window that ends in this piece
      // is reported done before the next one's positions.
      size_t o = 0;
      for (int32_t s = 0; s < n_seq; ++s) {
        for (; o < outputs.size() && outputs[o].window == w0 + s; ++o) {
          on_position(outputs[o].window, outputs[o].j, ctx.logits(outputs[o].index));
        }
        if (p1 == n_ctx && on_window) {
          const double seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          on_window({.windows_done = w0 + s + 1,
                     .windows_total = windows.n_chunks,
                     .windows_decoded = w0 + n_seq,
                     .seconds = seconds});
        }
      }
    }
    for (SequenceId s : seqs) ctx.remove_sequence(s);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace yak::eval
