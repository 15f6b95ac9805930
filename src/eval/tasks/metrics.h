// lm-eval's per-item metrics and their aggregation (api/task.py for acc and acc_norm,
// truthfulqa/utils.py for MC2, bbq/utils.py for BBQ, api/metrics.py for stderrs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/tasks/loglikelihood.h"
#include "eval/tasks/mc_item.h"
#include "yak/eval_tasks.h"

namespace yak::eval {

// The first index of the largest value (np.argmax).
int32_t argmax(const std::vector<double>& values);
// Python's len() of a UTF-8 string: code points.
size_t code_points(const std::string& s);

// 1 when the most likely choice is a gold one, else 0.
double item_acc(const std::vector<ChoiceScore>& scores, const McItem& item);
// The same with each log-likelihood divided by its choice's length in characters.
double item_acc_norm(const std::vector<ChoiceScore>& scores, const McItem& item);
// TruthfulQA MC2: the probability mass of the true answers, probabilities normalised
// over the item's answers.
double item_mc2(const std::vector<ChoiceScore>& scores, const McItem& item);

double mean(const std::vector<double>& values);
// Sample standard deviation / sqrt(n) (lm-eval's mean_stderr); none for fewer than 2.
std::optional<double> mean_stderr(const std::vector<double>& values);
// lm-eval's pooled_sample_stderr: a group's stderr from its subtasks' (weight_by_size).
std::optional<double> pooled_stderr(const std::vector<double>& stderrs,
                                    const std::vector<int64_t>& sizes);

// BBQ's metrics over the items: acc (with stderr), accuracy_amb, accuracy_disamb,
// amb_bias_score, disamb_bias_score, and both bias scores per category present.
std::vector<EvalMetric> bbq_metrics(const std::vector<McItem>& items,
                                    const std::vector<std::vector<ChoiceScore>>& scores);

}  // namespace yak::eval
