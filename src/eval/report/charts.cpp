#include "eval/report/charts.h"

#include <cmath>
#include <map>
#include <set>

#include "eval/report/plot.h"
#include "eval/report/tables.h"

namespace yak::eval::report {
namespace {

double number_at(const nlohmann::json& j, const char* a, const char* b = nullptr) {
  if (!j.is_object()) return NAN;
  auto it = j.find(a);
  if (it == j.end()) return NAN;
  if (b) {
    if (!it->is_object()) return NAN;
    auto inner = it->find(b);
    if (inner == it->end()) return NAN;
    return inner->is_number() ? inner->get<double>() : NAN;
  }
  return it->is_number() ? it->get<double>() : NAN;
}

// Series keyed by name, in the order first seen.
PlotSeries& series_named(std::vector<PlotSeries>& all, const std::string& name) {
  for (PlotSeries& s : all)
    if (s.name == name) return s;
  all.push_back({.name = name});
  return all.back();
}

LineChart perplexity_chart(const ReportData& data) {
  LineChart chart{.title = "Perplexity against bits per weight",
                  .x_label = "bits per weight",
                  .y_label = "perplexity"};
  for (const std::string& text : data.text_names) {
    for (const ModelReport& m : data.models) {
      const Item* item = m.find("ppl-" + text);
      if (!item || !item->result) continue;
      series_named(chart.series, m.facts.family + " (" + text + ")")
          .points.push_back({.x = m.facts.bits_per_weight(),
                             .y = number_at(*item->result, "ppl"),
                             .error = number_at(*item->result, "ppl_uncertainty"),
                             .label = m.facts.file_type});
    }
  }
  return chart;
}

LineChart kld_chart(const ReportData& data) {
  LineChart chart{.title = "KL divergence from the base against bits per weight",
                  .x_label = "bits per weight",
                  .y_label = "mean KLD (nats)"};
  for (const ModelReport& m : data.models) {
    const Item* item = m.find("kld-en");
    if (!item || !item->result) continue;
    series_named(chart.series, m.facts.family)
        .points.push_back({.x = m.facts.bits_per_weight(),
                           .y = number_at(*item->result, "kld", "mean"),
                           .error = number_at(*item->result, "kld", "uncertainty"),
                           .label = m.facts.file_type});
  }
  return chart;
}

BarChart task_chart(const ReportData& data) {
  BarChart chart{.title = "Task scores by quantization type (acc_norm, else acc)",
                 .y_label = "score"};
  chart.bar_names = data.tasks;
  std::set<std::string> families;
  for (const ModelReport& m : data.models) families.insert(m.facts.family);
  bool any = false;
  for (const ModelReport& m : data.models) {
    BarGroup g{.label = families.size() > 1 ? m.facts.family + " " + m.facts.file_type
                                            : m.facts.file_type};
    for (const std::string& task : data.tasks) {
      double value = NAN, error = 0;
      const Item* item = m.find("task-" + task);
      const nlohmann::json* row = item && item->result ? task_row(*item->result, task) : nullptr;
      if (const char* metric = row ? main_metric(*row) : nullptr) {
        const std::string stderr_name = std::string(metric) + "_stderr";
        value = number_at(*row, "metrics", metric);
        error = number_at(*row, "metrics", stderr_name.c_str());
        if (!std::isfinite(error)) error = 0;
        any = any || std::isfinite(value);
      }
      g.values.push_back(value);
      g.errors.push_back(error);
    }
    chart.groups.push_back(std::move(g));
  }
  if (!any) chart.groups.clear();
  return chart;
}

}  // namespace

std::vector<Chart> make_charts(const ReportData& data) {
  std::vector<Chart> charts;
  if (!data.text_names.empty()) {
    const LineChart c = perplexity_chart(data);
    charts.push_back({"ppl_vs_bpw.png", c.title, render_png(c)});
  }
  if (!data.base.empty()) {
    const LineChart c = kld_chart(data);
    charts.push_back({"kld_vs_bpw.png", c.title, render_png(c)});
  }
  if (!data.tasks.empty()) {
    const BarChart c = task_chart(data);
    charts.push_back({"task_scores.png", c.title, render_png(c)});
  }
  return charts;
}

}  // namespace yak::eval::report
