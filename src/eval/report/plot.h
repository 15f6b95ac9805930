// Small charts drawn with cairo into PNG bytes: a line chart (series of x, y points with error
// bars, e.g. perplexity against bits per weight, one line per model family) and a grouped bar
// chart (e.g. task scores per quantization type). Axes with rounded ticks, labels, a legend.
#pragma once

#include <string>
#include <vector>

namespace yak::eval::report {

struct PlotPoint {
  double x = 0;
  double y = 0;
  double error = 0;   // drawn as a bar of +/- error; 0: none
  std::string label;  // written beside the point (e.g. "Q4_K_M"); may be empty
};

struct PlotSeries {
  std::string name;
  std::vector<PlotPoint> points;  // joined in x order
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
};

struct BarGroup {
  std::string label;           // under the group
  std::vector<double> values;  // one per bar name; NaN: no bar
  std::vector<double> errors;  // same length; 0: none
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> bar_names;  // the legend
  std::vector<BarGroup> groups;
};

// PNG files' bytes. A chart without any point says so in its middle.
std::string render_png(const LineChart& chart, int width = 800, int height = 480);
std::string render_png(const BarChart& chart, int width = 800, int height = 480);

}  // namespace yak::eval::report
