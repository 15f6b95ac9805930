// The JSON that `yak eval perplexity|kld|tasks --json` print, built here so that
// `yak eval report` writes exactly the same objects into its results cache (and reads the
// lead's or a user's own --json output back as results).
//
// Each object records the settings a result depends on (model path and file size, text,
// context, chunks, limit, shots, precision) next to its figures; docs/eval-report.md says
// which of them decide whether a cached result is reused.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "yak/engine.h"
#include "yak/eval.h"
#include "yak/eval_tasks.h"

namespace yak::eval {

// "exact", "fast" or "default" (as the --precision flag spells it).
const char* precision_name(Precision p);

nlohmann::json to_json(const Estimate& e);

// The size of a model file in bytes, recorded as "model_bytes" (0 when it cannot be read).
uint64_t model_file_bytes(const std::string& path);

struct PerplexityRun {
  std::string model;  // the path as given
  uint64_t model_bytes = 0;
  std::string text_file;
  Precision precision = Precision::kDefault;
  int32_t n_batch = 0;
  int32_t n_threads = 0;
  double tokenize_seconds = 0;
};
nlohmann::json perplexity_json(const PerplexityResult& r, const PerplexityRun& run);

struct KldRun {
  std::string model;
  uint64_t model_bytes = 0;
  std::string text_file;  // the text the base was scored on (from the base file, when reused)
  Precision precision = Precision::kDefault;
  std::string base_description;  // BaseLogProbs::description
  std::string base_logits;       // the base file written or read; may be empty
  int64_t n_text_tokens = 0;     // the base's Windows::n_text_tokens
  int32_t n_batch = 0;
  int32_t n_threads = 0;
};
nlohmann::json kld_json(const KldResult& r, const KldRun& run);

struct TasksRun {
  std::string model;
  uint64_t model_bytes = 0;
  std::string data_dir;
  Precision precision = Precision::kDefault;
  int32_t shots = -1;  // as asked; recorded as 0 for "the task's default" (0 for every task)
  int64_t limit = 0;
  double seconds = 0;
};
// NaN values (lm-eval's undefined ones) and missing standard errors become null.
nlohmann::json tasks_json(const std::vector<EvalTaskResult>& results, const TasksRun& run);

}  // namespace yak::eval
