// Multiple-choice benchmarks scored by log-likelihood, as lm-evaluation-harness 0.4 defines
// them (HellaSwag, ARC, MMLU, CMMLU, TruthfulQA MC1/MC2, BBQ), read from local data files.
//
//   yak::EvalTasksOptions options{.data_dir = "../shared/data/eval"};
//   auto results = yak::evaluate_tasks(model, {"arc_easy"}, options);
//
// Errors (unknown task, missing or malformed data) are yak::Error naming the problem.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "yak/engine.h"

namespace yak {

struct EvalProgress {
  std::string task;
  int64_t done = 0;   // items scored
  int64_t total = 0;  // items to score
  double elapsed_s = 0;
};

struct EvalTasksOptions {
  std::string data_dir;         // holds hellaswag/, arc/, mmlu/, cmmlu/, truthfulqa/, bbq/
  int32_t shots = -1;           // few-shot examples; -1: the task's default (lm-eval's, 0 for all)
  int64_t limit = 0;            // the first `limit` items of each (sub)task; 0: all
  int32_t n_threads = 0;        // 0: one per available core
  int32_t context_size = 2048;  // longer requests lose tokens from the left, as lm-eval does
  int32_t parallel_items = 16;  // items whose choices are decoded together
  std::function<void(const EvalProgress&)> progress;  // called after each batch; may be empty
};

struct EvalMetric {
  std::string name;                 // "acc", "acc_norm", "accuracy_amb", "amb_bias_score_Age" ...
  double value = 0;                 // NaN where undefined (lm-eval's NaN)
  std::optional<double> std_error;  // as lm-eval computes it; none where lm-eval prints N/A
};

struct EvalTaskResult {
  std::string task;  // "arc_easy", "mmlu_anatomy", a group: "mmlu", "mmlu_stem"
  bool group = false;
  int64_t n_items = 0;
  std::vector<EvalMetric> metrics;
};

// The names evaluate_tasks accepts: tasks, subject tasks and groups.
std::vector<std::string> known_eval_tasks();

// Scores each named task (groups expand to their subtasks; their aggregate rows follow the
// subtasks). Results are in the order lm-eval prints them: each group after its members.
std::vector<EvalTaskResult> evaluate_tasks(std::shared_ptr<const Model> model,
                                           const std::vector<std::string>& tasks,
                                           const EvalTasksOptions& options);

}  // namespace yak
