// write_report: gathering the results, then writing the plots, the two pages and report.json.
#include <filesystem>

#include "eval/report/charts.h"
#include "eval/report/gather.h"
#include "eval/report/pages.h"
#include "eval/report/result_cache.h"
#include "yak/error.h"
#include "yak/eval_report.h"

namespace yak::eval {
namespace {

nlohmann::json summary_json(const report::ReportData& data, const ReportOutcome& o) {
  nlohmann::json models = nlohmann::json::array();
  for (const report::ModelReport& m : data.models) {
    const report::ModelFacts& f = m.facts;
    nlohmann::json items = nlohmann::json::object();
    for (const report::Item& i : m.items) {
      items[i.key] = {{"status", report::status_name(i.status)},
                      {"note", i.note},
                      {"result", i.result ? *i.result : nlohmann::json(nullptr)}};
    }
    models.push_back({{"path", f.path},
                      {"stem", f.stem},
                      {"family", f.family},
                      {"file_type", f.file_type},
                      {"file_bytes", f.file_bytes},
                      {"n_params", f.n_params},
                      {"tensor_bytes", f.tensor_bytes},
                      {"bits_per_weight", f.bits_per_weight()},
                      {"results", items}});
  }
  return {{"settings", data.settings}, {"reused", o.reused}, {"ran", o.ran},
          {"missing", o.missing},      {"failed", o.failed}, {"files", o.files},
          {"models", models}};
}

}  // namespace

ReportOutcome write_report(const ReportOptions& options) {
  namespace fs = std::filesystem;
  ReportOutcome outcome;
  report::ReportData data;
  try {
    data = report::gather(options, outcome);
  } catch (const nlohmann::json::exception& e) {
    fail("a cached result has an unexpected shape: {}", e.what());
  }
  const std::vector<report::Chart> charts = report::make_charts(data);
  const fs::path dir(options.out_dir);
  auto write = [&](const std::string& name, const std::string& content) {
    report::write_file_atomically((dir / name).string(), content);
    outcome.files.push_back((dir / name).string());
  };
  for (const report::Chart& c : charts) write(c.file, c.png);
  write("report.html", report::render_html(data, charts, outcome));
  write("report.md", report::render_markdown(data, charts, outcome));
  outcome.files.push_back((dir / "report.json").string());
  outcome.summary = summary_json(data, outcome);
  report::write_file_atomically(
      (dir / "report.json").string(),
      outcome.summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  if (options.log) options.log("report: wrote " + (dir / "report.html").string());
  return outcome;
}

}  // namespace yak::eval
