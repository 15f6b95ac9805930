// The report's pages: the HTML has no external reference and its plots decode as PNG; both
// pages carry the figures of the result JSONs they were given; the Markdown tables are
// well-formed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "eval/report/charts.h"
#include "eval/report/pages.h"
#include "eval/report/plot.h"
#include "eval/report/tables.h"
#include "unit/eval/report/report_test_util.h"

namespace yak::eval::report {
namespace {

std::string decode_base64(const std::string& s) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int n = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = value(c);
    EXPECT_GE(v, 0) << "not base64: " << c;
    if (v < 0) return {};
    bits = bits << 6 | uint32_t(v);
    n += 6;
    if (n >= 8) {
      n -= 8;
      out.push_back(char((bits >> n) & 0xff));
    }
  }
  return out;
}

uint32_t be32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 |
         uint32_t(uint8_t(s[at + 2])) << 8 | uint32_t(uint8_t(s[at + 3]));
}

// A PNG's signature and its IHDR chunk's width and height.
void expect_png(const std::string& png, uint32_t width, uint32_t height) {
  ASSERT_GT(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(png, 16), width);
  EXPECT_EQ(be32(png, 20), height);
}

// Scanned by hand: std::regex recurses per character and overflows the stack on a plot's
// base64 text.
constexpr std::string_view kPngUri = "data:image/png;base64,";

std::vector<std::string> data_uris(const std::string& html) {
  std::vector<std::string> uris;
  const std::string start = "src=\"" + std::string(kPngUri);
  for (size_t at = html.find(start); at != std::string::npos; at = html.find(start, at)) {
    at += start.size();
    const size_t end = html.find('"', at);
    if (end == std::string::npos) break;
    uris.push_back(html.substr(at, end - at));
  }
  return uris;
}

// The page with the base64 text of every data: URI taken out.
std::string without_data_uris(const std::string& html) {
  std::string out;
  size_t at = 0;
  for (size_t uri = html.find(kPngUri); uri != std::string::npos; uri = html.find(kPngUri, at)) {
    out += html.substr(at, uri - at);
    at = html.find('"', uri);
    if (at == std::string::npos) return out;
  }
  return out + html.substr(at);
}

// The values of every src= and href= attribute, with the attribute's name.
std::vector<std::pair<std::string, std::string>> references(const std::string& html) {
  std::vector<std::pair<std::string, std::string>> found;
  for (const std::string name : {"src", "href"}) {
    const std::string start = name + "=\"";
    for (size_t at = html.find(start); at != std::string::npos; at = html.find(start, at)) {
      at += start.size();
      const size_t end = html.find('"', at);
      found.emplace_back(name, html.substr(at, std::min(end, html.size()) - at));
    }
  }
  return found;
}

TEST(ReportPage, HtmlHasNoExternalReference) {
  ReportData d = test::sample_report_data();
  // Text that would form URLs if written as it is.
  d.models[1].items[1].note = "see http://example.com and //host/x and https://a";
  d.models[0].facts.path = "models//m.Q4_1.gguf";
  const std::string html = render_html(d, make_charts(d), {});
  const std::string without_data = without_data_uris(html);
  EXPECT_EQ(without_data.find("http:"), std::string::npos);
  EXPECT_EQ(without_data.find("https:"), std::string::npos);
  EXPECT_EQ(without_data.find("//"), std::string::npos);
  EXPECT_EQ(without_data.find("<script"), std::string::npos);
  EXPECT_EQ(without_data.find("url("), std::string::npos);
  EXPECT_EQ(without_data.find("@import"), std::string::npos);
  EXPECT_EQ(without_data.find("href"), std::string::npos);
  int sources = 0;
  for (const auto& [name, value] : references(html)) {
    EXPECT_EQ(name, "src") << "a link: " << value.substr(0, 80);
    EXPECT_TRUE(value.starts_with(kPngUri)) << value.substr(0, 80);
    ++sources;
  }
  EXPECT_EQ(sources, 3);  // the three plots
}

TEST(ReportPage, EveryPlotDecodesAsPng) {
  const ReportData d = test::sample_report_data();
  const std::vector<Chart> charts = make_charts(d);
  ASSERT_EQ(charts.size(), 3u);
  const std::vector<std::string> uris = data_uris(render_html(d, charts, {}));
  ASSERT_EQ(uris.size(), 3u);
  for (size_t i = 0; i < uris.size(); ++i) {
    const std::string png = decode_base64(uris[i]);
    expect_png(png, 800, 480);
    EXPECT_EQ(png, charts[i].png) << charts[i].file;
  }
}

TEST(ReportPage, TablesCarryTheResultFigures) {
  const ReportData d = test::sample_report_data();
  for (const std::string& page :
       {render_html(d, make_charts(d), {}), render_markdown(d, make_charts(d), {})}) {
    EXPECT_NE(page.find("23.2911 ± 0.1830"), std::string::npos);     // PPL en, model a
    EXPECT_NE(page.find("41.5000 ± 0.7500"), std::string::npos);     // PPL zh
    EXPECT_NE(page.find("22.9000 ± 0.1700"), std::string::npos);     // PPL en, model b
    EXPECT_NE(page.find("0.002737 ± 0.000063"), std::string::npos);  // KLD
    EXPECT_NE(page.find("96.47 ± 0.41 %"), std::string::npos);       // same top
    EXPECT_NE(page.find("0.0670 ± 0.0420"), std::string::npos);      // Δppl
    EXPECT_NE(page.find("0.4800 ± 0.0353"), std::string::npos);      // arc_easy acc_norm
    EXPECT_NE(page.find("0.5100 ± 0.0354"), std::string::npos);      // arc_easy acc
    EXPECT_NE(page.find("0.5200 ± 0.0354"), std::string::npos);
    // The KLD column says why it has no figure for a model whose vocabulary differs.
    EXPECT_NE(page.find("not measured"), std::string::npos);
    EXPECT_NE(page.find("vocabulary has 100 tokens"), std::string::npos);
    EXPECT_NE(page.find("missing"), std::string::npos);
    EXPECT_NE(page.find("Q8_0"), std::string::npos);
  }
}

// Every Markdown table row has as many cells as its header, and the separator row follows it.
TEST(ReportPage, MarkdownTablesAreWellFormed) {
  ReportData d = test::sample_report_data();
  d.models[1].items[1].note = "a | pipe\nand a line break";
  const std::string md = render_markdown(d, make_charts(d), {});
  auto cells = [](const std::string& line) {
    int n = 0;
    for (size_t i = 1; i < line.size(); ++i)
      if (line[i] == '|' && line[i - 1] != '\\') ++n;
    return n;
  };
  std::vector<std::string> lines;
  for (size_t at = 0, next; at < md.size(); at = next + 1) {
    next = md.find('\n', at);
    if (next == std::string::npos) next = md.size();
    lines.push_back(md.substr(at, next - at));
  }
  int tables = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].starts_with("|") || (i > 0 && lines[i - 1].starts_with("|"))) continue;
    ++tables;
    const int width = cells(lines[i]);
    ASSERT_LT(i + 1, lines.size());
    EXPECT_TRUE(std::regex_match(lines[i + 1], std::regex("\\|(---\\|)+"))) << lines[i + 1];
    EXPECT_EQ(cells(lines[i + 1]), width);
    for (size_t k = i + 2; k < lines.size() && lines[k].starts_with("|"); ++k) {
      EXPECT_EQ(cells(lines[k]), width) << lines[k];
      EXPECT_TRUE(lines[k].ends_with("|")) << lines[k];
    }
  }
  EXPECT_EQ(tables, 5);  // the two summaries and one per model
  EXPECT_NE(md.find("![Perplexity against bits per weight](ppl_vs_bpw.png)"), std::string::npos);
  EXPECT_NE(md.find("(kld_vs_bpw.png)"), std::string::npos);
  EXPECT_NE(md.find("(task_scores.png)"), std::string::npos);
}

TEST(ReportPage, EstimatesRoundToTheirDigits) {
  EXPECT_EQ(format_estimate(23.29114, 0.182994, 4), "23.2911 ± 0.1830");
  EXPECT_EQ(format_estimate(-0.00001, 0.00002, 4), "0.0000 ± 0.0000");  // not -0.0000
  EXPECT_EQ(format_estimate(NAN, 0.1, 4), "NaN");
  EXPECT_EQ(format_estimate(0.5, NAN, 2), "0.50");
}

TEST(ReportPage, Base64MatchesKnownVectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(ReportPage, EmptyChartsStillRenderAsPng) {
  expect_png(render_png(LineChart{.title = "nothing"}), 800, 480);
  expect_png(render_png(BarChart{.title = "nothing"}, 320, 200), 320, 200);
  // A name that is not UTF-8 must not stop cairo from drawing.
  LineChart c{.title = "bad \xff name"};
  c.series.push_back({.name = "\xc3", .points = {{.x = 4.5, .y = 20}, {.x = 8.5, .y = 19}}});
  expect_png(render_png(c), 800, 480);
}

}  // namespace
}  // namespace yak::eval::report
