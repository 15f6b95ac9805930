// The grouped bar chart: one group per label, one bar per name inside it, with error bars.
#include <algorithm>
#include <cmath>

#include "eval/report/plot.h"
#include "eval/report/plot_canvas.h"

namespace yak::eval::report {

std::string render_png(const BarChart& chart, int width, int height) {
  Canvas c(width, height);
  c.title(chart.title);
  double lo = 0, hi = 0;
  bool any = false;
  for (const BarGroup& g : chart.groups) {
    for (size_t i = 0; i < g.values.size(); ++i) {
      if (!std::isfinite(g.values[i])) continue;
      const double e = i < g.errors.size() && std::isfinite(g.errors[i]) ? g.errors[i] : 0;
      lo = std::min(lo, g.values[i] - e);
      hi = std::max(hi, g.values[i] + e);
      any = true;
    }
  }
  if (!any || chart.bar_names.empty()) {
    c.message("no figures to plot yet");
    return c.png();
  }
  if (hi <= lo) hi = lo + 1;
  hi += (hi - lo) * 0.05;
  // The legend stands right of the bars: with many tasks it would hide them inside.
  const double legend_width = c.legend_width(chart.bar_names);
  Frame f{.left = 78,
          .top = 44,
          .right = std::max(160.0, double(width) - 24 - legend_width - 12),
          .bottom = double(height) - 64,
          .x_lo = 0,
          .x_hi = 1,
          .y_lo = lo,
          .y_hi = hi};
  c.axes(f, {}, nice_ticks(lo, hi, 6), "", chart.y_label);
  cairo_t* cr = c.cr();
  const double group_width = (f.right - f.left) / double(std::max<size_t>(1, chart.groups.size()));
  const double bar_width = group_width * 0.8 / double(chart.bar_names.size());
  for (size_t g = 0; g < chart.groups.size(); ++g) {
    const BarGroup& group = chart.groups[g];
    const double start = f.left + group_width * (double(g) + 0.1);
    for (size_t i = 0; i < group.values.size() && i < chart.bar_names.size(); ++i) {
      const double v = group.values[i];
      if (!std::isfinite(v)) continue;
      const double x = start + bar_width * double(i);
      const double top = f.py(std::max(v, 0.0)), base = f.py(std::min(v, 0.0));
      c.color(palette(i));
      cairo_rectangle(cr, x + 1, top, bar_width - 2, std::max(1.0, base - top));
      cairo_fill(cr);
      const double e =
          i < group.errors.size() && std::isfinite(group.errors[i]) ? group.errors[i] : 0;
      if (e > 0) {
        const double cx = x + bar_width / 2;
        c.color({0.15, 0.15, 0.15});
        cairo_set_line_width(cr, 1.2);
        cairo_move_to(cr, cx, f.py(v - e));
        cairo_line_to(cr, cx, f.py(v + e));
        cairo_move_to(cr, cx - 3, f.py(v - e));
        cairo_line_to(cr, cx + 3, f.py(v - e));
        cairo_move_to(cr, cx - 3, f.py(v + e));
        cairo_line_to(cr, cx + 3, f.py(v + e));
        cairo_stroke(cr);
      }
    }
    c.color({0.2, 0.2, 0.2});
    c.text(group.label, f.left + group_width * (double(g) + 0.5), f.bottom + 8, 12, 0.5, 0);
  }
  c.legend_at(f.right + 12, f.top, chart.bar_names, /*marker=*/false);
  return c.png();
}

}  // namespace yak::eval::report
