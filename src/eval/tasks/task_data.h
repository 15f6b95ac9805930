// Reading each benchmark's local files (layouts in shared/data/README.md) into McItems, with
// lm-eval's preprocessing and prompt strings applied.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "eval/tasks/mc_item.h"
#include "yak/eval_tasks.h"

namespace yak::eval {

// MMLU's 57 subjects with lm-eval's category ("stem", "humanities", "social_sciences",
// "other"), and CMMLU's 67 subjects with the Chinese name its description uses.
const std::vector<std::pair<std::string, std::string>>& mmlu_subjects();
const std::vector<std::pair<std::string, std::string>>& cmmlu_subjects();

// lm-eval's HellaSwag preprocessing of one string.
std::string hellaswag_preprocess(const std::string& text);
// The query lm-eval builds from one context line of llama.cpp's layout
// ("activity_label: ctx_a ctx_b"): ctx_b capitalised, then preprocessed.
std::string hellaswag_query(const std::string& line);

// `limit` 0 takes all items. Few-shot examples exist only where lm-eval takes them first-n
// from a split present here (MMLU and CMMLU's dev); other tasks refuse shots > 0.
std::vector<McItem> load_hellaswag(const std::string& data_dir, int32_t shots, int64_t limit);
std::vector<McItem> load_arc(const std::string& data_dir, bool challenge, int32_t shots,
                             int64_t limit);
std::vector<McItem> load_mmlu(const std::string& data_dir, const std::string& subject,
                              int32_t shots, int64_t limit);
std::vector<McItem> load_cmmlu(const std::string& data_dir, const std::string& subject,
                               int32_t shots, int64_t limit);
std::vector<McItem> load_truthfulqa(const std::string& data_dir, bool mc2, int32_t shots,
                                    int64_t limit);
// All categories present, in file-name order.
std::vector<McItem> load_bbq(const std::string& data_dir, int32_t shots, int64_t limit);

// The items of one task that is not a group ("arc_easy", "mmlu_anatomy"), with the
// options' data_dir, shots and limit; yak::Error for an unknown name.
std::vector<McItem> load_task_items(const std::string& task, const EvalTasksOptions& options);

}  // namespace yak::eval
