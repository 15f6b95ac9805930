// `yak eval tasks`: multiple-choice benchmarks scored by log-likelihood as
// lm-evaluation-harness scores them (docs/eval-tasks.md).
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/eval_data_dir.h"
#include "cli/precision_flag.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/eval_json.h"
#include "yak/eval_tasks.h"

namespace yak::cli {
namespace {

struct EvalTasksFlags {
  Precision precision = Precision::kDefault;
  std::string model;
  std::vector<std::string> tasks;
  std::string data_dir;
  int32_t shots = -1;
  int64_t limit = 0;
  int32_t n_threads = 0;
  int32_t context_size = 2048;
  int32_t parallel = 16;
  bool json = false;
  bool quiet = false;
};

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}m{:02}s", s / 60, s % 60);
}

void print_progress(const EvalProgress& p) {
  const double eta =
      p.done > 0 ? p.elapsed_s * static_cast<double>(p.total - p.done) / static_cast<double>(p.done)
                 : NAN;
  fmt::print(stderr, "\r{}: {}/{} items ({:.1f}%), {:.1f} items/s, elapsed {}, ETA {}   ", p.task,
             p.done, p.total, 100.0 * static_cast<double>(p.done) / p.total,
             p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0.0,
             format_duration(p.elapsed_s), format_duration(eta));
  if (p.done == p.total) fmt::print(stderr, "\n");
  std::fflush(stderr);
}

std::string format_value(double v) { return std::isnan(v) ? "NaN" : fmt::format("{:.4f}", v); }

void print_table(const std::vector<EvalTaskResult>& results) {
  size_t width = 6;  // "metric"
  for (const auto& r : results)
    for (const auto& m : r.metrics) width = std::max(width, m.name.size());
  size_t task_width = 4;
  for (const auto& r : results) task_width = std::max(task_width, r.task.size());
  fmt::print("| {:<{}} | {:>6} | {:<{}} | {:>8} | {:>8} |\n", "task", task_width, "n", "metric",
             width, "value", "stderr");
  fmt::print("|{:-<{}}|{:->8}|{:-<{}}|{:->10}|{:->10}|\n", "", task_width + 2, "", "", width + 2,
             "", "");
  for (const auto& r : results) {
    for (const auto& m : r.metrics) {
      fmt::print("| {:<{}} | {:>6} | {:<{}} | {:>8} | {:>8} |\n", r.task, task_width, r.n_items,
                 m.name, width, format_value(m.value),
                 m.std_error ? format_value(*m.std_error) : "N/A");
    }
  }
}

void run(const EvalTasksFlags& f) {
  const std::string path = resolve_model_path(f.model);
  const std::string data_dir = resolve_data_dir(f.data_dir);
  const auto threads = std::make_shared<Threads>(f.n_threads);
  const auto model = Model::load(path, {.precision = f.precision, .threads = threads});
  EvalTasksOptions options;
  options.data_dir = data_dir;
  options.shots = f.shots;
  options.limit = f.limit;
  options.n_threads = f.n_threads;
  options.context_size = f.context_size;
  options.parallel_items = f.parallel;
  if (!f.quiet) options.progress = print_progress;
  const auto start = std::chrono::steady_clock::now();
  const auto results = evaluate_tasks(model, f.tasks, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (f.json) {
    fmt::print("{}\n", eval::tasks_json(results, {.model = path,
                                                  .model_bytes = eval::model_file_bytes(path),
                                                  .data_dir = data_dir,
                                                  .precision = f.precision,
                                                  .shots = f.shots,
                                                  .limit = f.limit,
                                                  .seconds = seconds})
                           .dump(2));
  } else {
    print_table(results);
    fmt::print("{} in {:.1f} s\n", path, seconds);
  }
}

}  // namespace

void add_eval_tasks_command(CLI::App& eval) {
  auto flags = std::make_shared<EvalTasksFlags>();
  CLI::App* cmd = eval.add_subcommand(
      "tasks", "Score multiple-choice benchmarks by log-likelihood as lm-evaluation-harness does");
  cmd->add_option("-m,--model", flags->model, "GGUF model file (default: the default model)");
  cmd->add_option("--task", flags->tasks,
                  "hellaswag, arc_easy, arc_challenge, mmlu, mmlu_<subject>, mmlu_stem, ..., "
                  "cmmlu, cmmlu_<subject>, truthfulqa_mc1, truthfulqa_mc2, bbq (repeatable)")
      ->required();
  cmd->add_option("--shots", flags->shots,
                  "few-shot examples, first-n from dev (MMLU, CMMLU; default 0 as lm-eval)");
  cmd->add_option("--limit", flags->limit, "score only the first N items of each task")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--data", flags->data_dir,
                  "the eval data directory (default: $YAK_EVAL_DATA, else shared/data/eval "
                  "found upwards from the current directory)");
  cmd->add_option("-t,--threads", flags->n_threads, "threads (default: one per core)");
  cmd->add_option("-c,--ctx-size", flags->context_size, "most tokens per request")
      ->check(CLI::Range(16, 1 << 20));
  cmd->add_option("--parallel", flags->parallel, "items decoded together")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--json", flags->json, "print every figure as JSON");
  cmd->add_flag("-q,--quiet", flags->quiet, "no progress on stderr");
  add_precision_flag(*cmd, flags->precision);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace yak::cli
