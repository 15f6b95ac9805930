// Shared by the report tests: result JSONs as `yak eval perplexity|kld|tasks --json` print
// them, and a report's data built from them without measuring anything.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/report/report_data.h"
#include "yak/eval_json.h"
#include "yak/eval_tasks.h"

namespace yak::test {

inline nlohmann::json sample_ppl_json(const std::string& model, uint64_t bytes,
                                      const std::string& text, double ppl, double err) {
  eval::PerplexityResult r;
  r.ppl = {ppl, err};
  r.nll = {std::log(ppl), err / ppl};
  r.n_ctx = 128;
  r.n_chunks = 2;
  r.n_text_tokens = 1000;
  r.n_scored = 2 * 63;
  return eval::perplexity_json(r, {.model = model, .model_bytes = bytes, .text_file = text});
}

inline nlohmann::json sample_kld_json(const std::string& model, uint64_t bytes,
                                      const std::string& text, const std::string& base, double kld,
                                      double err) {
  eval::KldResult r;
  r.kld = {kld, err};
  r.same_top = {0.9647, 0.0041};
  r.ppl_diff = {0.067, 0.042};
  r.n_ctx = 128;
  r.n_chunks = 2;
  return eval::kld_json(r, {.model = model,
                            .model_bytes = bytes,
                            .text_file = text,
                            .base_description = base + ", default precision",
                            .n_text_tokens = 1000});
}

inline nlohmann::json sample_task_json(const std::string& model, uint64_t bytes,
                                       const std::string& task, double acc, double acc_norm) {
  EvalTaskResult t{.task = task, .n_items = 200};
  t.metrics = {{"acc", acc, 0.0354}, {"acc_norm", acc_norm, 0.0353}};
  return eval::tasks_json({t}, {.model = model, .model_bytes = bytes, .limit = 200});
}

// Two models of one family with every figure present, and a third without results.
inline eval::report::ReportData sample_report_data() {
  using namespace eval::report;
  ReportData d;
  d.text_names = {"en", "zh"};
  d.tasks = {"arc_easy"};
  d.base = "m.F16.gguf";
  d.settings = {{"precision", "default"}, {"n_ctx", 128}, {"texts", {{"en", "wiki.txt"}}}};
  auto facts = [](const std::string& stem, const std::string& type, uint64_t bytes) {
    return ModelFacts{.path = "models/" + stem + ".gguf",
                      .stem = stem,
                      .family = "m",
                      .file_type = type,
                      .file_bytes = bytes,
                      .n_params = 1000000,
                      .tensor_bytes = bytes - 4096};
  };
  ModelReport a{.facts = facts("m.Q4_1", "Q4_1", 600000)};
  a.items = {
      {"ppl-en", ItemStatus::kReused, sample_ppl_json("a", 1, "wiki.txt", 23.2911, 0.18299)},
      {"ppl-zh", ItemStatus::kReused, sample_ppl_json("a", 1, "zh.txt", 41.5, 0.75)},
      {"kld-en", ItemStatus::kRan, sample_kld_json("a", 1, "wiki.txt", "b", 0.002737, 0.000063)},
      {"task-arc_easy", ItemStatus::kReused, sample_task_json("a", 1, "arc_easy", 0.51, 0.48)}};
  ModelReport b{.facts = facts("m.Q8_0", "Q8_0", 1070000)};
  b.items = {
      {"ppl-en", ItemStatus::kReused, sample_ppl_json("b", 1, "wiki.txt", 22.9, 0.17)},
      {"ppl-zh", ItemStatus::kMissing, std::nullopt, "no results/m.Q8_0/ppl-zh.json"},
      {"kld-en", ItemStatus::kFailed, std::nullopt,
       "the model's vocabulary has 100 tokens but the base's has 200"},
      {"task-arc_easy", ItemStatus::kReused, sample_task_json("b", 1, "arc_easy", 0.52, 0.49)}};
  ModelReport c{.facts = facts("m.Q2_K", "Q2_K", 400000)};
  c.items = {{"ppl-en", ItemStatus::kMissing, std::nullopt, "no file"},
             {"ppl-zh", ItemStatus::kMissing, std::nullopt, "no file"},
             {"kld-en", ItemStatus::kMissing, std::nullopt, "no file"},
             {"task-arc_easy", ItemStatus::kMissing, std::nullopt, "no file"}};
  d.models = {a, b, c};
  return d;
}

}  // namespace yak::test
