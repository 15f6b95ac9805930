// One report over several models: perplexity on each text, KL divergence from a base model,
// and benchmark task scores, as an offline HTML page (CSS inline, PNG plots as data: URIs,
// no script), a Markdown page with the same tables, the PNG plots and a JSON summary.
//
// Every measurement is cached as DIR/results/<model stem>/{ppl-<text>,kld-en,task-<task>}.json,
// each holding what `yak eval perplexity|kld|tasks --json` prints (yak/eval_json.h), so results
// made by those commands are collected too. A cached file is reused when the settings it
// records match the request (docs/eval-report.md), else measured again and rewritten.
//
//   yak::eval::ReportOptions o{.models = {"a.Q4_K_M.gguf", "a.Q8_0.gguf"}, .base = "a.F16.gguf",
//                              .texts = {{"en", "wiki.test.raw"}}, .tasks = {"arc_easy"}};
//   yak::eval::ReportOutcome r = yak::eval::write_report(o);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "yak/engine.h"

namespace yak::eval {

struct ReportText {
  std::string name;  // "en", "zh": the column and the cache file's name (ppl-<name>.json)
  std::string path;
};

struct ReportOptions {
  std::vector<std::string> models;  // GGUF files, in the order the report lists them
  std::string base;                 // the KLD base model; empty: no KLD column
  std::string out_dir = "eval-report";
  std::vector<ReportText> texts;   // perplexity texts; KLD is measured on the one named "en"
  std::vector<std::string> tasks;  // yak::known_eval_tasks() names, one cache file each
  std::string data_dir;    // the task data (yak/eval_tasks.h); needed when tasks is not empty
  int32_t n_ctx = 512;     // perplexity and KLD window
  int32_t max_chunks = 0;  // 0: every window of the text
  int64_t limit = 0;       // task items (per subtask); 0: all
  // Per-task exceptions to `limit`, by the names in `tasks` (e.g. a few items per MMLU
  // subject beside hundreds of HellaSwag's).
  std::map<std::string, int64_t> task_limits;
  int32_t shots = -1;                           // -1: each task's default
  int32_t n_threads = 0;                        // 0: one per core
  Precision precision = Precision::kDefault;    // of every model, the base included
  bool collect_only = false;                    // never measure: report what is cached
  std::function<void(const std::string&)> log;  // one line per step; may be empty
};

struct ReportOutcome {
  int32_t reused = 0;              // cached results whose settings matched
  int32_t ran = 0;                 // results measured now
  int32_t missing = 0;             // not cached (or stale) under collect_only
  int32_t failed = 0;              // measurements that could not be made (the report says why)
  std::vector<std::string> files;  // what was written in out_dir
  nlohmann::json summary;          // the content of report.json
};

// Throws yak::Error before measuring anything when a model or text file is missing, a task
// is unknown, two models share a file stem, or tasks are asked without a data directory.
ReportOutcome write_report(const ReportOptions& options);

}  // namespace yak::eval
