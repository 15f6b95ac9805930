// compute_imatrix: the text's windows (eval/windows.cpp) run through a context whose
// observer is an ImatrixCollector, batched as llama-imatrix batches them.
#include "yak/imatrix.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "eval/imatrix_collector.h"
#include "yak/error.h"
#include "yak/eval.h"

namespace yak {

Imatrix compute_imatrix(std::shared_ptr<const Model> model, std::string_view text,
                        const ImatrixOptions& options) {
  if (!model) fail("compute_imatrix needs a model");
  if (options.n_batch < 1) fail("the batch size must be at least 1, not {}", options.n_batch);
  const eval::Windows windows = eval::make_windows(
      model->tokenizer(), text, {.n_ctx = options.n_ctx, .max_chunks = options.max_chunks});
  const int32_t n_ctx = windows.n_ctx;
  // Whole windows side by side when the batch holds them, else one window in pieces.
  const int32_t per_batch = std::max(1, options.n_batch / n_ctx);
  const int32_t piece = std::min(options.n_batch, n_ctx);

  eval::ImatrixCollector collector(options.process_output);
  ContextOptions copts;
  copts.n_threads = options.n_threads;
  copts.threads = options.threads;
  copts.max_sequences = per_batch;
  copts.context_size = n_ctx;
  copts.kv_tokens = int64_t{per_batch} * n_ctx;
  copts.max_batch_tokens = per_batch * piece;
  copts.activation_observer = &collector;
  Context ctx(model, copts);

  const auto start = std::chrono::steady_clock::now();
  Batch batch;
  for (int32_t w0 = 0; w0 < windows.n_chunks; w0 += per_batch) {
    const int32_t n_seq = std::min(per_batch, windows.n_chunks - w0);
    std::vector<SequenceId> seqs;
    for (int32_t s = 0; s < n_seq; ++s) seqs.push_back(ctx.add_sequence());
    for (int32_t p0 = 0; p0 < n_ctx; p0 += piece) {
      const int32_t p1 = std::min(n_ctx, p0 + piece);
      batch.clear();
      for (int32_t s = 0; s < n_seq; ++s) {
        const std::span<const int32_t> tokens = windows.window(w0 + s);
        // Logits are only needed when the output projection's inputs are collected.
        for (int32_t p = p0; p < p1; ++p)
          batch.add(tokens[size_t(p)], p, seqs[size_t(s)], options.process_output);
      }
      ctx.decode(batch);
    }
    for (SequenceId s : seqs) ctx.remove_sequence(s);
    if (options.on_progress) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      options.on_progress({w0 + n_seq, windows.n_chunks, seconds});
    }
  }

  Imatrix result;
  result.entries = collector.entries();
  if (!options.dataset.empty()) result.datasets.push_back(options.dataset);
  result.chunk_count = windows.n_chunks;
  result.chunk_size = n_ctx;
  return result;
}

}  // namespace yak
