#include "serve/http/sse.h"

namespace yak::serve {
namespace {

// Each line of `text` becomes `prefix` + line + "\n"; \r\n, \r and \n all end a line.
std::string prefixed_lines(std::string_view prefix, std::string_view text) {
  std::string out;
  out.reserve(text.size() + prefix.size() + 2);
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find_first_of("\r\n", start);
    out += prefix;
    out += text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  }
  return out;
}

}  // namespace

std::string sse_event(std::string_view data) { return prefixed_lines("data: ", data) + '\n'; }

std::string sse_comment(std::string_view text) { return prefixed_lines(": ", text) + '\n'; }

HttpHeaders sse_headers() {
  return {{"content-type", "text/event-stream"},
          {"cache-control", "no-cache"},
          {"x-accel-buffering", "no"}};
}

}  // namespace yak::serve
