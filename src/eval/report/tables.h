// The report's tables as text cells, shared by the HTML and the Markdown writers so that both
// show the same figures.
#pragma once

#include <string>
#include <vector>

#include "eval/report/report_data.h"
#include "yak/eval_report.h"

namespace yak::eval::report {

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as header
};

// Across models: type, size, bits per weight, each text's PPL, KLD and same-top; then, when
// there are tasks, a second table with each task's main score (acc_norm where the task has
// it, else acc), the metric named in the column's header.
std::vector<Table> summary_tables(const ReportData& data);

// One model: a row per figure (file facts, PPL per text, KLD figures, every metric of each
// task and of its groups), value and standard error.
Table model_table(const ReportData& data, const ModelReport& model);

// Why each measurement without a figure has none ("ppl-zh: missing: no ...json").
std::vector<std::string> model_notes(const ModelReport& model);

// What the report measured with, and how many results it reused, measured, missed.
std::vector<std::string> settings_lines(const ReportData& data, const ReportOutcome& counts);

// "a ± b" with the digits each kind of figure needs; "NaN" for an undefined value.
std::string format_estimate(double value, double uncertainty, int decimals);

// The task's own row in a task result (the one named as asked), or null.
const nlohmann::json* task_row(const nlohmann::json& result, const std::string& task);

// The main score of a task row: acc_norm when present, else acc; nullptr when neither.
const char* main_metric(const nlohmann::json& row);

}  // namespace yak::eval::report
