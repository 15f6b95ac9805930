// Importance matrices: per weight matrix, the mean square of each input column over the
// tokens of a text, which `yak quantize --imatrix` uses to weight each weight's rounding
// error (a column whose inputs are large matters more to the product).
//
// Collected as llama.cpp's `llama-imatrix` collects them, so that either tool's matrices
// work in either: the text is tokenized and cut into windows as `yak eval perplexity` does
// (yak/eval.h: BOS first in each window where the model adds it, at least 2 * n_ctx
// tokens); every token of a window is run, and each matrix product of a block (not the
// attention's own products) adds the squares of its input rows to its weight's sums and
// the rows to its count. Products of fewer than 16 rows are left out, as llama.cpp leaves
// them out; the output projection only with `process_output`. Q, K and V read the same
// rows and so have equal entries; so do the feed-forward gate and up.
//
//   auto model = yak::Model::load("model.gguf", {.precision = yak::Precision::kExact});
//   yak::Imatrix m = yak::compute_imatrix(model, text, {.dataset = "wiki.train.raw"});
//   yak::save_imatrix(m, "imatrix.gguf");
//
// Two files hold them: llama.cpp's GGUF imatrix (`NAME.in_sum2` / `NAME.counts` tensors,
// `imatrix.*` metadata), written for a path ending in ".gguf", and its legacy binary
// `imatrix.dat` otherwise; load_imatrix reads either, telling them apart by content.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "yak/engine.h"
#include "yak/threads.h"

namespace yak {

struct ImatrixEntry {
  // n_mat * n_columns sums of squares (n_mat is 1 for a dense matrix), and n_mat counts of
  // the rows summed. In a legacy file's entry the sums are scaled means (mean * ncall) and
  // the one count is ncall, so that sums / counts is the mean either way.
  std::vector<float> sums;
  std::vector<int64_t> counts;

  int64_t n_columns() const { return counts.empty() ? 0 : int64_t(sums.size() / counts.size()); }
  // The mean square per column (sums / counts); 1 for a matrix that saw no rows, as
  // llama-quantize takes it.
  std::vector<float> importance() const {
    std::vector<float> out(sums.size(), 1.0f);
    const auto cols = static_cast<size_t>(n_columns());
    for (size_t m = 0; m < counts.size(); ++m)
      if (counts[m] > 0)
        for (size_t j = m * cols; j < (m + 1) * cols; ++j)
          out[j] = sums[j] / static_cast<float>(counts[m]);
    return out;
  }
};

struct Imatrix {
  std::map<std::string, ImatrixEntry> entries;  // by weight name, e.g. "blk.0.ffn_down.weight"
  std::vector<std::string> datasets;            // the texts it was computed on
  int32_t chunk_count = 0;                      // windows run
  int32_t chunk_size = 0;                       // tokens per window (0: unknown, legacy file)
  bool legacy = false;                          // loaded from a legacy .dat file
};

struct ImatrixProgress {
  int32_t chunks_done = 0;
  int32_t chunks_total = 0;
  double seconds = 0;  // since the first decode began
  double eta_seconds() const {
    return chunks_done ? seconds / chunks_done * (chunks_total - chunks_done) : 0;
  }
};

struct ImatrixOptions {
  int32_t n_ctx = 512;               // tokens per window (llama-imatrix's -c)
  int32_t max_chunks = 0;            // 0: every whole window of the text
  int32_t n_batch = 2048;            // tokens per decode: n_batch / n_ctx windows side by side
  bool process_output = false;       // also collect output.weight (llama-imatrix --process-output)
  std::string dataset;               // recorded as the text's name (llama.cpp records the path)
  std::shared_ptr<Threads> threads;  // null: the context starts its own
  int32_t n_threads = 0;             // when threads is null; 0: one per core
  std::function<void(const ImatrixProgress&)> on_progress;  // after each batch of windows
};

// Throws yak::Error for a text too short for two windows, bad sizes, or activations that are
// not finite.
Imatrix compute_imatrix(std::shared_ptr<const Model> model, std::string_view text,
                        const ImatrixOptions& options);

// Writes GGUF when `path` ends in ".gguf" (any case), the legacy format otherwise, through a
// temporary file renamed into place. Entries with no rows are left out of a legacy file
// (it cannot say so), as llama-imatrix leaves them out. Throws yak::Error on I/O failure or
// an empty matrix.
void save_imatrix(const Imatrix& imatrix, const std::string& path);

// Reads either format. Throws yak::Error naming the file and the problem for one that is
// truncated, corrupt or over the limits (sizes are checked against the file before use).
Imatrix load_imatrix(const std::string& path);

}  // namespace yak
