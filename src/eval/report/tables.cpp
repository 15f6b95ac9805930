#include "eval/report/tables.h"

#include <fmt/core.h>

#include <cmath>

namespace yak::eval::report {
namespace {

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string text_member(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

double number(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  const nlohmann::json* at = &j;
  for (const char* k : keys) {
    at = member(*at, k);
    if (!at) return NAN;
  }
  return at->is_number() ? at->get<double>() : NAN;
}

// What a cell shows for a measurement that has no figure.
std::string absent(const Item* item) {
  if (!item) return "";
  if (item->result) return "n/a";  // a result without this figure
  if (item->status == ItemStatus::kMissing) return "missing";
  return "failed";
}

std::string ppl_cell(const Item* item) {
  if (!item || !item->result) return absent(item);
  return format_estimate(number(*item->result, {"ppl"}), number(*item->result, {"ppl_uncertainty"}),
                         4);
}

std::string kld_cell(const Item* item) {
  if (!item || !item->result) {
    // The reason belongs in the column itself: a base with another vocabulary is a finding.
    return item && item->status == ItemStatus::kFailed ? "not measured: " + item->note
                                                       : absent(item);
  }
  return format_estimate(number(*item->result, {"kld", "mean"}),
                         number(*item->result, {"kld", "uncertainty"}), 6);
}

std::string same_top_cell(const Item* item) {
  if (!item || !item->result) return absent(item);
  return format_estimate(100 * number(*item->result, {"same_top", "value"}),
                         100 * number(*item->result, {"same_top", "uncertainty"}), 2) +
         " %";
}

std::string metric_cell(const nlohmann::json& metrics, const std::string& name) {
  const auto v = metrics.find(name);
  const auto e = metrics.find(name + "_stderr");
  const double value = v != metrics.end() && v->is_number() ? v->get<double>() : NAN;
  if (e == metrics.end() || !e->is_number())
    return std::isnan(value) ? "NaN" : fmt::format("{:.4f}", value);
  return format_estimate(value, e->get<double>(), 4);
}

std::string mib(uint64_t bytes) { return fmt::format("{:.1f}", double(bytes) / (1024.0 * 1024.0)); }

}  // namespace

std::string format_estimate(double value, double uncertainty, int decimals) {
  if (std::isnan(value)) return "NaN";
  // A value that rounds to zero is written 0, not -0.
  if (std::abs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0;
  if (std::isnan(uncertainty)) return fmt::format("{:.{}f}", value, decimals);
  return fmt::format("{:.{}f} ± {:.{}f}", value, decimals, uncertainty, decimals);
}

const nlohmann::json* task_row(const nlohmann::json& result, const std::string& task) {
  const nlohmann::json* rows = member(result, "results");
  if (!rows || !rows->is_array()) return nullptr;
  for (const nlohmann::json& r : *rows)
    if (text_member(r, "task") == task) return &r;
  return nullptr;
}

const char* main_metric(const nlohmann::json& row) {
  const nlohmann::json* m = member(row, "metrics");
  if (!m || !m->is_object()) return nullptr;
  if (m->contains("acc_norm")) return "acc_norm";
  if (m->contains("acc")) return "acc";
  return nullptr;
}

std::vector<Table> summary_tables(const ReportData& data) {
  // Two tables, so that each fits a page's width: the file and text figures, then the tasks.
  Table t{.title = "Summary"};
  t.header = {"model", "type", "size MiB", "bits/weight"};
  for (const std::string& name : data.text_names) t.header.push_back("PPL " + name);
  if (!data.base.empty()) {
    t.header.push_back("KLD");
    t.header.push_back("same top");
  }
  for (const ModelReport& m : data.models) {
    const ModelFacts& f = m.facts;
    std::vector<std::string> row = {f.stem, f.file_type, mib(f.file_bytes),
                                    fmt::format("{:.3f}", f.bits_per_weight())};
    for (const std::string& name : data.text_names) row.push_back(ppl_cell(m.find("ppl-" + name)));
    if (!data.base.empty()) {
      row.push_back(kld_cell(m.find("kld-en")));
      row.push_back(same_top_cell(m.find("kld-en")));
    }
    t.rows.push_back(std::move(row));
  }
  std::vector<Table> tables = {std::move(t)};
  if (data.tasks.empty()) return tables;

  // Each task's column shows one metric, named in its header, so that its cells stay short.
  Table tasks{.title = "Task scores", .header = {"model"}};
  std::vector<std::string> task_metrics;
  for (const std::string& task : data.tasks) {
    std::string metric;
    for (const ModelReport& m : data.models) {
      const Item* item = m.find("task-" + task);
      const nlohmann::json* r = item && item->result ? task_row(*item->result, task) : nullptr;
      if (const char* name = r ? main_metric(*r) : nullptr) {
        metric = name;
        break;
      }
    }
    task_metrics.push_back(metric);
    tasks.header.push_back(metric.empty() ? task : task + " " + metric);
  }
  for (const ModelReport& m : data.models) {
    std::vector<std::string> row = {m.facts.stem};
    for (size_t k = 0; k < data.tasks.size(); ++k) {
      const Item* item = m.find("task-" + data.tasks[k]);
      const nlohmann::json* r =
          item && item->result ? task_row(*item->result, data.tasks[k]) : nullptr;
      const nlohmann::json* metrics = r ? member(*r, "metrics") : nullptr;
      row.push_back(metrics && !task_metrics[k].empty() && metrics->contains(task_metrics[k])
                        ? metric_cell(*metrics, task_metrics[k])
                        : absent(item));
    }
    tasks.rows.push_back(std::move(row));
  }
  tables.push_back(std::move(tasks));
  return tables;
}

Table model_table(const ReportData& data, const ModelReport& m) {
  const ModelFacts& f = m.facts;
  Table t{.title = f.stem, .header = {"figure", "value"}};
  t.rows = {{"file", f.path},
            {"size", fmt::format("{} MiB ({} bytes)", mib(f.file_bytes), f.file_bytes)},
            {"parameters", fmt::format("{}", f.n_params)},
            {"bits per weight", fmt::format("{:.4f}", f.bits_per_weight())},
            {"file type", f.file_type}};
  for (const std::string& name : data.text_names)
    t.rows.push_back({"PPL " + name, ppl_cell(m.find("ppl-" + name))});
  if (!data.base.empty()) {
    const Item* kld = m.find("kld-en");
    t.rows.push_back({"KLD mean (nats)", kld_cell(kld)});
    t.rows.push_back({"same top token", same_top_cell(kld)});
    if (kld && kld->result) {
      const nlohmann::json& j = *kld->result;
      t.rows.push_back({"KLD median / p99 / max",
                        fmt::format("{:.6f} / {:.6f} / {:.6f}", number(j, {"kld", "median"}),
                                    number(j, {"kld", "p99"}), number(j, {"kld", "max"}))});
      t.rows.push_back({"Δppl", format_estimate(number(j, {"delta_ppl", "value"}),
                                                number(j, {"delta_ppl", "uncertainty"}), 4)});
    }
  }
  for (const std::string& task : data.tasks) {
    const Item* item = m.find("task-" + task);
    if (!item || !item->result) {
      t.rows.push_back({task, absent(item)});
      continue;
    }
    // The task's own row and its groups (MMLU's categories); subjects stay in the JSON.
    const nlohmann::json* rows = member(*item->result, "results");
    if (!rows || !rows->is_array()) continue;
    for (const nlohmann::json& r : *rows) {
      const std::string name = text_member(r, "task");
      const nlohmann::json* group = member(r, "group");
      if (name != task && !(group && group->is_boolean() && group->get<bool>())) continue;
      const nlohmann::json* metrics = member(r, "metrics");
      if (!metrics || !metrics->is_object()) continue;
      const nlohmann::json* n = member(r, "n");
      const std::string items =
          n && n->is_number_integer() ? fmt::format("{}", n->get<int64_t>()) : "?";
      for (const auto& [metric, value] : metrics->items()) {
        if (metric.ends_with("_stderr")) continue;
        t.rows.push_back(
            {fmt::format("{} {} (n={})", name, metric, items), metric_cell(*metrics, metric)});
      }
    }
  }
  return t;
}

std::vector<std::string> settings_lines(const ReportData& data, const ReportOutcome& counts) {
  const nlohmann::json& s = data.settings;
  auto integer = [&](const char* key, int64_t fallback) {
    const nlohmann::json* v = member(s, key);
    return v && v->is_number_integer() ? v->get<int64_t>() : fallback;
  };
  const int64_t chunks = integer("chunks", 0), limit = integer("limit", 0),
                shots = integer("shots", -1);
  std::vector<std::string> lines = {fmt::format(
      "{} models; precision {}, context {}, chunks {}, task limit {}, shots {}; KLD base {}. "
      "Results: {} reused, {} measured now, {} missing, {} failed.",
      data.models.size(), text_member(s, "precision"), integer("n_ctx", 0),
      chunks > 0 ? std::to_string(chunks) : "all", limit > 0 ? std::to_string(limit) : "none",
      shots < 0 ? "default" : std::to_string(shots), data.base.empty() ? "none" : data.base,
      counts.reused, counts.ran, counts.missing, counts.failed)};
  const nlohmann::json* task_limits = member(s, "task_limits");
  if (task_limits && task_limits->is_object() && !task_limits->empty()) {
    std::string line = "Task limits (items per subtask):";
    for (const auto& [task, n] : task_limits->items())
      line += fmt::format(" {} = {};", task, n.is_number_integer() ? n.get<int64_t>() : 0);
    lines.push_back(std::move(line));
  }
  const nlohmann::json* texts = member(s, "texts");
  if (texts && texts->is_object() && !texts->empty()) {
    std::string line = "Texts:";
    for (const auto& [name, path] : texts->items())
      line += fmt::format(" {} = {};", name, path.is_string() ? path.get<std::string>() : "?");
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> model_notes(const ModelReport& m) {
  std::vector<std::string> notes;
  for (const Item& i : m.items) {
    if (i.note.empty()) continue;
    notes.push_back(fmt::format("{}: {}: {}", i.key, status_name(i.status), i.note));
  }
  return notes;
}

}  // namespace yak::eval::report
