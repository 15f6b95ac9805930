// The line chart: one line per series through its points in x order, with error bars and
// point labels.
#include <algorithm>
#include <cmath>
#include <limits>

#include "eval/report/plot.h"
#include "eval/report/plot_canvas.h"

namespace yak::eval::report {
namespace {

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
  // Widened by `pad` of its span on each side; a single value gets a span of its own.
  Range padded(double pad) const {
    const double span = hi - lo;
    const double margin = span > 0 ? span * pad : std::max(std::abs(lo) * 0.1, 0.5);
    return {lo - margin, hi + margin};
  }
};

bool usable(const PlotPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

}  // namespace

std::string render_png(const LineChart& chart, int width, int height) {
  Canvas c(width, height);
  c.title(chart.title);
  Range xs, ys;
  for (const PlotSeries& s : chart.series) {
    for (const PlotPoint& p : s.points) {
      if (!usable(p)) continue;
      xs.add(p.x);
      const double e = std::isfinite(p.error) ? std::abs(p.error) : 0;
      ys.add(p.y - e);
      ys.add(p.y + e);
    }
  }
  if (xs.empty()) {
    c.message("no figures to plot yet");
    return c.png();
  }
  const Range x = xs.padded(0.08);
  Range y = ys.padded(0.12);
  // Room above the highest point for the legend, a line per series.
  y.hi += (y.hi - y.lo) * (0.06 + 0.06 * double(chart.series.size()));
  Frame f{.left = 78,
          .top = 44,
          .right = double(width) - 24,
          .bottom = double(height) - 56,
          .x_lo = x.lo,
          .x_hi = x.hi,
          .y_lo = y.lo,
          .y_hi = y.hi};
  c.axes(f, nice_ticks(x.lo, x.hi, 8), nice_ticks(y.lo, y.hi, 6), chart.x_label, chart.y_label);
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
  cairo_clip(cr);
  std::vector<std::string> names;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    names.push_back(chart.series[i].name);
    std::vector<PlotPoint> points;
    for (const PlotPoint& p : chart.series[i].points)
      if (usable(p)) points.push_back(p);
    std::sort(points.begin(), points.end(),
              [](const PlotPoint& a, const PlotPoint& b) { return a.x < b.x; });
    c.color(palette(i));
    cairo_set_line_width(cr, 2);
    for (size_t k = 0; k < points.size(); ++k) {
      if (k == 0)
        cairo_move_to(cr, f.px(points[k].x), f.py(points[k].y));
      else
        cairo_line_to(cr, f.px(points[k].x), f.py(points[k].y));
    }
    cairo_stroke(cr);
    for (const PlotPoint& p : points) {
      const double px = f.px(p.x), py = f.py(p.y);
      if (std::isfinite(p.error) && p.error > 0) {
        cairo_set_line_width(cr, 1.2);
        cairo_move_to(cr, px, f.py(p.y - p.error));
        cairo_line_to(cr, px, f.py(p.y + p.error));
        for (double end : {p.y - p.error, p.y + p.error}) {
          cairo_move_to(cr, px - 4, f.py(end));
          cairo_line_to(cr, px + 4, f.py(end));
        }
        cairo_stroke(cr);
      }
      cairo_arc(cr, px, py, 4, 0, 2 * M_PI);
      cairo_fill(cr);
      if (!p.label.empty()) {
        c.color({0.25, 0.25, 0.25});
        c.text(p.label, px + 6, py - 4, 10, 0, 1);
        c.color(palette(i));
      }
    }
  }
  cairo_restore(cr);
  c.legend(f, names, /*marker=*/true);
  return c.png();
}

}  // namespace yak::eval::report
