#include <fmt/core.h>

#include "eval/report/pages.h"
#include "eval/report/tables.h"

namespace yak::eval::report {
namespace {

// Plain CSS only: no @import, no url(), nothing fetched.
constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; margin: 2em auto;
  max-width: 1200px; color: #1b1b1b; background: #fff; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #c8c8c8; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef1f5; } tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td:first-child { white-space: nowrap; } .wide { overflow-x: auto; }
.plots img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; display: block; }
.notes { color: #6b4400; font-size: 0.85em; } .settings { color: #555; font-size: 0.9em; }
)";

bool numeric(const std::string& cell) {
  return !cell.empty() && (std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' ||
                           cell[0] == '+' || cell == "NaN");
}

void append_table(std::string& out, const Table& t) {
  out += "<div class=\"wide\"><table>\n<tr>";
  for (const std::string& h : t.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const std::string& cell : row) {
      out += numeric(cell) ? "<td class=\"num\">" : "<td>";
      out += html_escape(cell) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table></div>\n";
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case ':':
        out += "&#58;";
        break;
      case '/':
        out += i > 0 && s[i - 1] == '/' ? "&#47;" : "/";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string render_html(const ReportData& data, const std::vector<Chart>& charts,
                        const ReportOutcome& counts) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Yak eval report</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>Yak eval report</h1>\n";
  for (const std::string& line : settings_lines(data, counts))
    out += "<p class=\"settings\">" + html_escape(line) + "</p>\n";
  out += "<h2>Summary</h2>\n";
  for (const Table& t : summary_tables(data)) append_table(out, t);
  if (!charts.empty()) {
    out += "<h2>Plots</h2>\n<div class=\"plots\">\n";
    for (const Chart& c : charts) {
      out += "<img alt=\"" + html_escape(c.title) + "\" src=\"data:image/png;base64," +
             base64(c.png) + "\">\n";
    }
    out += "</div>\n";
  }
  for (const ModelReport& m : data.models) {
    out += "<h2>" + html_escape(m.facts.stem) + "</h2>\n";
    append_table(out, model_table(data, m));
    const std::vector<std::string> notes = model_notes(m);
    if (!notes.empty()) {
      out += "<ul class=\"notes\">\n";
      for (const std::string& n : notes) out += "<li>" + html_escape(n) + "</li>\n";
      out += "</ul>\n";
    }
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace yak::eval::report
