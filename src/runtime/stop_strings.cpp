#include "yak/stop_strings.h"

#include <algorithm>

#include "yak/error.h"
#include "yak/text.h"

namespace yak {
namespace {

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace

StopStrings::StopStrings(std::vector<std::string> stops) : stops_(std::move(stops)) {
  for (size_t i = 0; i < stops_.size(); ++i) {
    if (stops_[i].empty()) fail("stop string {} is empty", i);
    if (!valid_utf8(stops_[i])) fail("stop string {} is not valid UTF-8", i);
  }
}

StopStrings::Result StopStrings::push(std::string_view piece) {
  Result r;
  if (done_) return r;
  if (stops_.empty()) {
    r.text = piece;
    return r;
  }
  std::string text = std::move(held_);
  held_.clear();
  text.append(piece);

  // The earliest stop string in the text wins; at one position, the one listed first.
  size_t first = std::string::npos;
  for (size_t i = 0; i < stops_.size(); ++i) {
    const size_t at = text.find(stops_[i]);
    if (at < first) {
      first = at;
      r.stopped = i;
    }
  }
  if (r.stopped) {
    done_ = true;
    text.resize(first);
    r.text = std::move(text);
    return r;
  }
  // No stop string is in the text, so only a suffix shorter than the longest one can begin
  // one; hold back the longest such suffix.
  size_t keep = 0;
  for (const std::string& stop : stops_) {
    for (size_t n = std::min(stop.size() - 1, text.size()); n > keep; --n) {
      if (text.compare(text.size() - n, n, stop, 0, n) == 0) {
        keep = n;
        break;
      }
    }
  }
  held_.assign(text, text.size() - keep, keep);
  text.resize(text.size() - keep);
  r.text = std::move(text);
  return r;
}

std::string StopStrings::flush() {
  std::string out = done_ ? std::string() : std::move(held_);
  held_.clear();
  return out;
}

}  // namespace yak
