// What both kinds of chart draw with: a cairo image surface with text, colours, an axis frame
// with rounded ticks, a legend, and the PNG encoding.
#pragma once

#include <cairo.h>

#include <string>
#include <string_view>
#include <vector>

namespace yak::eval::report {

struct Rgb {
  double r, g, b;
};
// A colour for series or bar i, distinct for the first ten (Tableau's palette).
Rgb palette(size_t i);

// Round tick values covering [lo, hi], about `wanted` of them, with the step 1, 2 or 5 x 10^k.
std::vector<double> nice_ticks(double lo, double hi, int wanted);
// A tick's text without trailing noise ("0.25", "1e-05").
std::string tick_text(double v);

// The plotting rectangle inside the margins, and the value ranges it maps.
struct Frame {
  double left, top, right, bottom;
  double x_lo, x_hi, y_lo, y_hi;
  double px(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * (right - left); }
  double py(double y) const { return bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top); }
};

class Canvas {
 public:
  Canvas(int width, int height);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }

  void color(Rgb c, double alpha = 1);
  // Text with its anchor: align 0 left, 0.5 centre, 1 right; valign likewise (0 top).
  void text(std::string_view s, double x, double y, double size, double align, double valign,
            bool bold = false, double angle = 0);
  double text_width(std::string_view s, double size);

  void title(std::string_view s);
  // Axis lines, grid, ticks and their labels, and the two axis labels. `x_ticks` empty: no
  // x tick labels (a bar chart labels its groups itself).
  void axes(const Frame& f, const std::vector<double>& x_ticks, const std::vector<double>& y_ticks,
            std::string_view x_label, std::string_view y_label);
  // Entries drawn in a box at the top right inside the frame; `marker` draws a line with a
  // dot, else a filled square.
  void legend(const Frame& f, const std::vector<std::string>& names, bool marker);
  // The same box with its top left corner at (x, y), e.g. beside the frame.
  void legend_at(double x, double y, const std::vector<std::string>& names, bool marker);
  double legend_width(const std::vector<std::string>& names);
  void message(std::string_view s);  // in the middle, for an empty chart

  std::string png();

 private:
  int width_, height_;
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

}  // namespace yak::eval::report
