// The task registry (names as lm-eval names them, groups as its group YAMLs define them)
// and yak::evaluate_tasks.
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "eval/tasks/loglikelihood.h"
#include "eval/tasks/metrics.h"
#include "eval/tasks/task_data.h"
#include "yak/error.h"
#include "yak/eval_tasks.h"

namespace yak {
namespace {

using eval::McItem;

enum class Scoring { kAcc, kAccAndNorm, kMc2, kBbq };

struct LeafTask {
  std::string name;
  Scoring scoring;
  std::function<std::vector<McItem>(const EvalTasksOptions&)> load;
};

struct Group {
  std::string name;
  std::vector<std::string> members;  // leaf tasks or groups, aggregated in this order
};

// MMLU's categories in _mmlu.yaml's order.
const std::vector<std::string> kMmluCategories = {"stem", "other", "social_sciences", "humanities"};

std::vector<LeafTask> leaf_tasks() {
  std::vector<LeafTask> tasks = {
      {"hellaswag", Scoring::kAccAndNorm,
       [](const EvalTasksOptions& o) {
         return eval::load_hellaswag(o.data_dir, o.shots, o.limit);
       }},
      {"arc_easy", Scoring::kAccAndNorm,
       [](const EvalTasksOptions& o) {
         return eval::load_arc(o.data_dir, false, o.shots, o.limit);
       }},
      {"arc_challenge", Scoring::kAccAndNorm,
       [](const EvalTasksOptions& o) {
         return eval::load_arc(o.data_dir, true, o.shots, o.limit);
       }},
      {"truthfulqa_mc1", Scoring::kAcc,
       [](const EvalTasksOptions& o) {
         return eval::load_truthfulqa(o.data_dir, false, o.shots, o.limit);
       }},
      {"truthfulqa_mc2", Scoring::kMc2,
       [](const EvalTasksOptions& o) {
         return eval::load_truthfulqa(o.data_dir, true, o.shots, o.limit);
       }},
      {"bbq", Scoring::kBbq,
       [](const EvalTasksOptions& o) { return eval::load_bbq(o.data_dir, o.shots, o.limit); }},
  };
  for (const auto& [subject, category] : eval::mmlu_subjects()) {
    const std::string s = subject;
    tasks.push_back({"mmlu_" + s, Scoring::kAcc, [s](const EvalTasksOptions& o) {
                       return eval::load_mmlu(o.data_dir, s, o.shots, o.limit);
                     }});
  }
  for (const auto& [subject, name] : eval::cmmlu_subjects()) {
    const std::string s = subject;
    tasks.push_back({"cmmlu_" + s, Scoring::kAccAndNorm, [s](const EvalTasksOptions& o) {
                       return eval::load_cmmlu(o.data_dir, s, o.shots, o.limit);
                     }});
  }
  return tasks;
}

std::vector<Group> groups() {
  std::vector<Group> out;
  Group mmlu{"mmlu", {}};
  for (const std::string& category : kMmluCategories) {
    Group g{"mmlu_" + category, {}};
    for (const auto& [subject, c] : eval::mmlu_subjects())
      if (c == category) g.members.push_back("mmlu_" + subject);
    out.push_back(g);
    mmlu.members.push_back(g.name);
  }
  out.push_back(mmlu);
  Group cmmlu{"cmmlu", {}};
  for (const auto& [subject, name] : eval::cmmlu_subjects())
    cmmlu.members.push_back("cmmlu_" + subject);
  out.push_back(cmmlu);
  return out;
}

std::vector<EvalMetric> leaf_metrics(Scoring scoring, const std::vector<McItem>& items,
                                     const std::vector<std::vector<eval::ChoiceScore>>& scores) {
  if (scoring == Scoring::kBbq) return eval::bbq_metrics(items, scores);
  std::vector<double> acc, acc_norm;
  for (size_t i = 0; i < items.size(); ++i) {
    if (scoring == Scoring::kMc2) {
      acc.push_back(eval::item_mc2(scores[i], items[i]));
    } else {
      acc.push_back(eval::item_acc(scores[i], items[i]));
      if (scoring == Scoring::kAccAndNorm)
        acc_norm.push_back(eval::item_acc_norm(scores[i], items[i]));
    }
  }
  std::vector<EvalMetric> metrics = {{"acc", eval::mean(acc), eval::mean_stderr(acc)}};
  if (scoring == Scoring::kAccAndNorm)
    metrics.push_back({"acc_norm", eval::mean(acc_norm), eval::mean_stderr(acc_norm)});
  return metrics;
}

// A group's metrics from its members' (weight_by_size: the mean weighted by items, the
// stderr pooled), for the metrics every member has.
EvalTaskResult aggregate(const Group& group, const std::map<std::string, EvalTaskResult>& done) {
  EvalTaskResult result{group.name, true, 0, {}};
  const EvalTaskResult& first = done.at(group.members.front());
  for (const EvalMetric& m : first.metrics) {
    double weighted = 0;
    std::vector<double> stderrs;
    std::vector<int64_t> sizes;
    bool have_stderr = true;
    for (const std::string& member : group.members) {
      const EvalTaskResult& r = done.at(member);
      const auto it = std::find_if(r.metrics.begin(), r.metrics.end(),
                                   [&](const EvalMetric& x) { return x.name == m.name; });
      weighted += it->value * static_cast<double>(r.n_items);
      sizes.push_back(r.n_items);
      if (it->std_error) {
        stderrs.push_back(*it->std_error);
      } else {
        have_stderr = false;
      }
    }
    int64_t total = 0;
    for (int64_t n : sizes) total += n;
    result.n_items = total;
    result.metrics.push_back({m.name, weighted / static_cast<double>(total),
                              have_stderr ? eval::pooled_stderr(stderrs, sizes) : std::nullopt});
  }
  return result;
}

}  // namespace

std::vector<McItem> eval::load_task_items(const std::string& task,
                                          const EvalTasksOptions& options) {
  for (const LeafTask& t : leaf_tasks())
    if (t.name == task) return t.load(options);
  fail("unknown task '{}' (known tasks: {})", task, fmt::join(known_eval_tasks(), ", "));
}

std::vector<std::string> known_eval_tasks() {
  std::vector<std::string> names;
  for (const LeafTask& t : leaf_tasks()) names.push_back(t.name);
  for (const Group& g : groups()) names.push_back(g.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<EvalTaskResult> evaluate_tasks(std::shared_ptr<const Model> model,
                                           const std::vector<std::string>& tasks,
                                           const EvalTasksOptions& options) {
  if (!model) fail("evaluate_tasks needs a model");
  if (tasks.empty()) fail("no task named (known tasks: {})", fmt::join(known_eval_tasks(), ", "));
  const std::vector<LeafTask> leaves = leaf_tasks();
  const std::vector<Group> all_groups = groups();
  auto find_leaf = [&](const std::string& n) {
    return std::find_if(leaves.begin(), leaves.end(),
                        [&](const LeafTask& t) { return t.name == n; });
  };
  auto find_group = [&](const std::string& n) {
    return std::find_if(all_groups.begin(), all_groups.end(),
                        [&](const Group& g) { return g.name == n; });
  };

  // The order of work: each group's members (depth first), then the group.
  std::vector<std::string> order;
  std::set<std::string> seen;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (seen.count(name)) return;
    if (const auto g = find_group(name); g != all_groups.end()) {
      for (const std::string& m : g->members) visit(m);
    } else if (find_leaf(name) == leaves.end()) {
      fail("unknown task '{}' (known tasks: {})", name, fmt::join(known_eval_tasks(), ", "));
    }
    seen.insert(name);
    order.push_back(name);
  };
  for (const std::string& t : tasks) visit(t);

  struct Loaded {
    const LeafTask* task;
    std::vector<McItem> items;
    std::vector<eval::EncodedItem> encoded;
  };
  std::map<std::string, Loaded> loaded;
  int64_t total = 0;
  for (const std::string& name : order) {
    const auto leaf = find_leaf(name);
    if (leaf == leaves.end()) continue;
    Loaded l{&*leaf, leaf->load(options), {}};
    if (l.items.empty()) fail("{}: the data holds no items", name);
    for (const McItem& item : l.items)
      l.encoded.push_back(
          eval::encode_item(model->tokenizer(), item.context, item.choices, options.context_size));
    total += static_cast<int64_t>(l.items.size());
    loaded.emplace(name, std::move(l));
  }

  const auto threads = std::make_shared<Threads>(options.n_threads);
  const auto start = std::chrono::steady_clock::now();
  int64_t done_before = 0;
  std::map<std::string, EvalTaskResult> done;
  std::vector<EvalTaskResult> results;
  for (const std::string& name : order) {
    if (const auto g = find_group(name); g != all_groups.end()) {
      done[name] = aggregate(*g, done);
      results.push_back(done[name]);
      continue;
    }
    const Loaded& l = loaded.at(name);
    eval::ScorerOptions scorer;
    scorer.parallel_items = options.parallel_items;
    scorer.on_progress = [&](int64_t n) {
      if (!options.progress) return;
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      options.progress({name, done_before + n, total, elapsed});
    };
    Context context(model,
                    eval::scorer_context_options(l.encoded, scorer, options.context_size, threads));
    const auto scores = eval::score_items(context, l.encoded, scorer);
    done_before += static_cast<int64_t>(l.items.size());
    EvalTaskResult r{name, false, static_cast<int64_t>(l.items.size()),
                     leaf_metrics(l.task->scoring, l.items, scores)};
    done[name] = r;
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace yak
