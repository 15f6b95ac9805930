#include <fmt/core.h>

#include "eval/report/pages.h"
#include "eval/report/tables.h"

namespace yak::eval::report {
namespace {

void append_table(std::string& out, const Table& t) {
  out += "|";
  for (const std::string& h : t.header) out += " " + markdown_cell(h) + " |";
  out += "\n|";
  for (size_t i = 0; i < t.header.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const std::string& cell : row) out += " " + markdown_cell(cell) + " |";
    out += "\n";
  }
  out += "\n";
}

}  // namespace

std::string markdown_cell(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out.push_back(c);
  }
  return out.empty() ? " " : out;
}

std::string render_markdown(const ReportData& data, const std::vector<Chart>& charts,
                            const ReportOutcome& counts) {
  std::string out = "# Yak eval report\n\n";
  for (const std::string& line : settings_lines(data, counts)) out += line + "\n\n";
  out += "## Summary\n\n";
  for (const Table& t : summary_tables(data)) append_table(out, t);
  if (!charts.empty()) {
    out += "## Plots\n\n";
    for (const Chart& c : charts) out += fmt::format("![{}]({})\n\n", c.title, c.file);
  }
  for (const ModelReport& m : data.models) {
    out += "## " + m.facts.stem + "\n\n";
    append_table(out, model_table(data, m));
    for (const std::string& n : model_notes(m)) out += "- " + markdown_cell(n) + "\n";
    if (!model_notes(m).empty()) out += "\n";
  }
  return out;
}

}  // namespace yak::eval::report
