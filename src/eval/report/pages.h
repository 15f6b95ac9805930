// The report's two pages: self-contained HTML (inline CSS, plots as data: URIs, no script, no
// external reference) and Markdown (the same tables, the plots as links to the PNG files).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eval/report/charts.h"
#include "eval/report/report_data.h"
#include "yak/eval_report.h"

namespace yak::eval::report {

std::string base64(std::string_view bytes);

// Text made safe inside HTML elements and attributes. Besides & < > " ' it writes '/' after
// '/' and every ':' as character references, so no text can form a URL ("http:", "//").
std::string html_escape(std::string_view s);

// A Markdown table cell: '|' escaped, line breaks as spaces.
std::string markdown_cell(std::string_view s);

std::string render_html(const ReportData& data, const std::vector<Chart>& charts,
                        const ReportOutcome& counts);
std::string render_markdown(const ReportData& data, const std::vector<Chart>& charts,
                            const ReportOutcome& counts);

}  // namespace yak::eval::report
