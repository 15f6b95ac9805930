// The report's three plots, built from its data: perplexity and KLD against bits per weight
// (a line per model family) and task scores grouped by quantization type.
#pragma once

#include <string>
#include <vector>

#include "eval/report/report_data.h"

namespace yak::eval::report {

struct Chart {
  std::string file;   // "ppl_vs_bpw.png"
  std::string title;  // also the image's alt text
  std::string png;    // the bytes
};

std::vector<Chart> make_charts(const ReportData& data);

}  // namespace yak::eval::report
