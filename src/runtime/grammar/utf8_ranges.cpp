#include "runtime/grammar/utf8_ranges.h"

#include <algorithm>

namespace yak::grammar {

namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kSurrogateLo = 0xD800;
constexpr char32_t kSurrogateHi = 0xDFFF;

// Splits lo..hi into pieces whose encodings all have the same length and differ only in a
// suffix of "any continuation byte" positions, so that each is one sequence of ranges.
void split(char32_t lo, char32_t hi, std::vector<std::vector<ByteRange>>& out) {
  static constexpr char32_t kLengthEnds[] = {0x7F, 0x7FF, 0xFFFF};
  for (char32_t end : kLengthEnds) {
    if (lo <= end && hi > end) {
      split(lo, end, out);
      split(end + 1, hi, out);
      return;
    }
  }
  for (int i = 1; i < 4; ++i) {
    const char32_t mask = (char32_t{1} << (6 * i)) - 1;
    if ((lo & ~mask) != (hi & ~mask)) {
      if ((lo & mask) != 0) {
        split(lo, lo | mask, out);
        split((lo | mask) + 1, hi, out);
        return;
      }
      if ((hi & mask) != mask) {
        split(lo, (hi & ~mask) - 1, out);
        split(hi & ~mask, hi, out);
        return;
      }
    }
  }
  uint8_t a[4], b[4];
  const int n = encode_utf8(lo, a);
  encode_utf8(hi, b);
  std::vector<ByteRange> sequence;
  for (int i = 0; i < n; ++i) sequence.emplace_back(a[i], b[i]);
  out.push_back(std::move(sequence));
}

}  // namespace

int encode_utf8(char32_t cp, uint8_t out[4]) {
  if (cp < 0x80) {
    out[0] = static_cast<uint8_t>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    out[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    out[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
  out[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  return 4;
}

std::vector<CodePointRange> normalize_ranges(std::vector<CodePointRange> ranges, bool negated) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<CodePointRange> merged;
  for (auto [lo, hi] : ranges) {
    if (!merged.empty() && lo <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, hi);
    } else {
      merged.emplace_back(lo, hi);
    }
  }
  if (negated) {
    std::vector<CodePointRange> complement;
    char32_t next = 0;
    for (auto [lo, hi] : merged) {
      if (lo > next) complement.emplace_back(next, lo - 1);
      next = hi + 1;
    }
    if (next <= kMaxCodePoint) complement.emplace_back(next, kMaxCodePoint);
    merged = std::move(complement);
  }
  std::vector<CodePointRange> result;
  for (auto [lo, hi] : merged) {
    if (lo < kSurrogateLo) result.emplace_back(lo, std::min<char32_t>(hi, kSurrogateLo - 1));
    if (hi > kSurrogateHi) result.emplace_back(std::max<char32_t>(lo, kSurrogateHi + 1), hi);
  }
  return result;
}

std::vector<std::vector<ByteRange>> utf8_sequences(char32_t lo, char32_t hi) {
  std::vector<std::vector<ByteRange>> out;
  if (lo <= hi) split(lo, hi, out);
  return out;
}

}  // namespace yak::grammar
