#include "eval/report/plot_canvas.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "yak/error.h"

namespace yak::eval::report {
namespace {

constexpr const char* kFont = "DejaVu Sans";  // scripts/setup.sh installs fonts-dejavu-core

// cairo refuses a string that is not UTF-8 and then draws nothing more; file names may be
// any bytes, so each bad byte becomes '?'.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// cairo's text goes through fontconfig, which keeps its configuration and font caches until
// the process ends (cairo frees them only in cairo_debug_reset_static_data). LeakSanitizer
// reports them at exit; they are not leaks of Yak's, so a sanitizer build (yak and the unit
// tests alike) ignores allocations made inside fontconfig.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
#endif

Rgb palette(size_t i) {
  static constexpr Rgb kColors[] = {{0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17},
                                    {0.84, 0.15, 0.16}, {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29},
                                    {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}, {0.74, 0.74, 0.13},
                                    {0.09, 0.75, 0.81}};
  constexpr size_t n = sizeof(kColors) / sizeof(kColors[0]);
  const Rgb c = kColors[i % n];
  // Past ten, the same hues darker, so that no two of the first twenty are equal.
  const double shade = (i / n) % 2 ? 0.6 : 1.0;
  return {c.r * shade, c.g * shade, c.b * shade};
}

std::vector<double> nice_ticks(double lo, double hi, int wanted) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi <= lo || wanted < 1) return {lo};
  const double raw = (hi - lo) / wanted;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    if (ticks.size() > 100) break;  // a degenerate range must not loop long
  }
  return ticks;
}

std::string tick_text(double v) {
  std::string s = fmt::format("{:.6g}", v);
  return s == "-0" ? "0" : s;
}

Canvas::Canvas(int width, int height)
    : width_(width),
      height_(height),
      surface_(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)),
      cr_(cairo_create(surface_)) {
  if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS)
    fail("cannot make a {}x{} image for a plot", width, height);
  color({1, 1, 1});
  cairo_paint(cr_);
}

Canvas::~Canvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

void Canvas::color(Rgb c, double alpha) { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }

double Canvas::text_width(std::string_view s, double size) {
  const std::string t = valid_utf8(s);
  cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, t.c_str(), &e);
  return e.x_advance;
}

void Canvas::text(std::string_view s, double x, double y, double size, double align, double valign,
                  bool bold, double angle) {
  const std::string t = valid_utf8(s);
  cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, t.c_str(), &e);
  cairo_font_extents_t fe;
  cairo_font_extents(cr_, &fe);
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, angle);
  cairo_move_to(cr_, -align * e.x_advance, fe.ascent - valign * (fe.ascent + fe.descent));
  cairo_show_text(cr_, t.c_str());
  cairo_restore(cr_);
}

void Canvas::title(std::string_view s) {
  color({0.1, 0.1, 0.1});
  text(s, width_ / 2.0, 12, 17, 0.5, 0, true);
}

void Canvas::axes(const Frame& f, const std::vector<double>& x_ticks,
                  const std::vector<double>& y_ticks, std::string_view x_label,
                  std::string_view y_label) {
  cairo_set_line_width(cr_, 1);
  for (double y : y_ticks) {
    const double py = std::round(f.py(y)) + 0.5;
    color({0.88, 0.88, 0.88});
    cairo_move_to(cr_, f.left, py);
    cairo_line_to(cr_, f.right, py);
    cairo_stroke(cr_);
    color({0.2, 0.2, 0.2});
    text(tick_text(y), f.left - 6, py, 12, 1, 0.5);
  }
  for (double x : x_ticks) {
    const double px = std::round(f.px(x)) + 0.5;
    color({0.88, 0.88, 0.88});
    cairo_move_to(cr_, px, f.top);
    cairo_line_to(cr_, px, f.bottom);
    cairo_stroke(cr_);
    color({0.2, 0.2, 0.2});
    text(tick_text(x), px, f.bottom + 6, 12, 0.5, 0);
  }
  color({0.2, 0.2, 0.2});
  cairo_rectangle(cr_, f.left + 0.5, f.top + 0.5, f.right - f.left, f.bottom - f.top);
  cairo_stroke(cr_);
  text(x_label, (f.left + f.right) / 2, height_ - 8, 13, 0.5, 1);
  text(y_label, 14, (f.top + f.bottom) / 2, 13, 0.5, 0, false, -M_PI / 2);
}

namespace {
constexpr double kLegendText = 12, kLegendLine = 18, kLegendPad = 8, kLegendKey = 22;
}  // namespace

double Canvas::legend_width(const std::vector<std::string>& names) {
  double widest = 0;
  for (const std::string& n : names) widest = std::max(widest, text_width(n, kLegendText));
  return kLegendPad * 2 + kLegendKey + 6 + widest;
}

void Canvas::legend(const Frame& f, const std::vector<std::string>& names, bool marker) {
  legend_at(f.right - legend_width(names) - 8, f.top + 8, names, marker);
}

void Canvas::legend_at(double x, double y, const std::vector<std::string>& names, bool marker) {
  if (names.empty()) return;
  const double w = legend_width(names);
  const double h = kLegendPad * 2 + kLegendLine * double(names.size());
  cairo_rectangle(cr_, x, y, w, h);
  color({1, 1, 1}, 0.85);
  cairo_fill_preserve(cr_);
  color({0.6, 0.6, 0.6});
  cairo_set_line_width(cr_, 1);
  cairo_stroke(cr_);
  for (size_t i = 0; i < names.size(); ++i) {
    const double cy = y + kLegendPad + kLegendLine * (double(i) + 0.5);
    const double kx = x + kLegendPad;
    color(palette(i));
    if (marker) {
      cairo_set_line_width(cr_, 2);
      cairo_move_to(cr_, kx, cy);
      cairo_line_to(cr_, kx + kLegendKey, cy);
      cairo_stroke(cr_);
      cairo_arc(cr_, kx + kLegendKey / 2, cy, 3.5, 0, 2 * M_PI);
      cairo_fill(cr_);
    } else {
      cairo_rectangle(cr_, kx + 4, cy - 6, kLegendKey - 8, 12);
      cairo_fill(cr_);
    }
    color({0.1, 0.1, 0.1});
    text(names[i], kx + kLegendKey + 6, cy, kLegendText, 0, 0.5);
  }
}

void Canvas::message(std::string_view s) {
  color({0.4, 0.4, 0.4});
  text(s, width_ / 2.0, height_ / 2.0, 15, 0.5, 0.5);
}

std::string Canvas::png() {
  cairo_surface_flush(surface_);
  std::string bytes;
  if (cairo_surface_write_to_png_stream(surface_, append_bytes, &bytes) != CAIRO_STATUS_SUCCESS)
    fail("cannot encode a plot as PNG");
  return bytes;
}

}  // namespace yak::eval::report
