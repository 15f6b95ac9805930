#include "runtime/grammar/json_schema_numbers.h"

#include <fmt/format.h>

#include <string_view>
#include <vector>

namespace yak::grammar {
namespace {

std::string any_digits(size_t count) {
  if (count == 0) return "";
  if (count == 1) return "[0-9]";
  return fmt::format("[0-9]{{{}}}", count);
}

std::string digit_class(char first, char last) {
  if (first == last) return fmt::format("\"{}\"", first);
  if (first == '0' && last == '9') return "[0-9]";
  return fmt::format("[{}-{}]", first, last);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string group(const std::vector<std::string>& alternatives) {
  if (alternatives.size() == 1) return alternatives[0];
  return "(" + join(alternatives, " | ") + ")";
}

bool all_of(std::string_view digits, char c) {
  return digits.find_first_not_of(c) == std::string_view::npos;
}

// The digit strings of one length n from `low` to `high` (both n digits, low <= high), as the
// classic expansion: the shared prefix, then low's tail up to 9s, the whole middle digits,
// and 0s up to high's tail.
std::string same_length_range(std::string_view low, std::string_view high) {
  const size_t n = low.size();
  if (n == 0) return "";
  if (low[0] == high[0]) {
    std::string head = fmt::format("\"{}\"", low[0]);
    std::string rest = same_length_range(low.substr(1), high.substr(1));
    return rest.empty() ? head : head + " " + rest;
  }
  std::string_view low_tail = low.substr(1);
  std::string_view high_tail = high.substr(1);
  std::vector<std::string> alternatives;
  const bool low_full = all_of(low_tail, '0');
  const bool high_full = all_of(high_tail, '9');
  char middle_first = low_full ? low[0] : static_cast<char>(low[0] + 1);
  char middle_last = high_full ? high[0] : static_cast<char>(high[0] - 1);
  if (!low_full) {
    std::string nines(n - 1, '9');
    alternatives.push_back(fmt::format("\"{}\" {}", low[0], same_length_range(low_tail, nines)));
  }
  if (middle_first <= middle_last) {
    std::string tail = any_digits(n - 1);
    std::string head = digit_class(middle_first, middle_last);
    alternatives.push_back(tail.empty() ? head : head + " " + tail);
  }
  if (!high_full) {
    std::string zeros(n - 1, '0');
    alternatives.push_back(fmt::format("\"{}\" {}", high[0], same_length_range(zeros, high_tail)));
  }
  return group(alternatives);
}

// Canonical non-negative decimals from `low` to `high` (decimal strings; no high: unbounded).
std::vector<std::string> natural_range(const std::string& low,
                                       const std::optional<std::string>& high) {
  std::vector<std::string> alternatives;
  const size_t last_length = high ? high->size() : low.size();
  for (size_t length = low.size(); length <= last_length; ++length) {
    std::string from = length == low.size() ? low : "1" + std::string(length - 1, '0');
    std::string to = (high && length == high->size()) ? *high : std::string(length, '9');
    alternatives.push_back(same_length_range(from, to));
  }
  if (!high) {  // every number longer than low
    alternatives.push_back(fmt::format("[1-9] {} [0-9]*", any_digits(low.size())));
  }
  return alternatives;
}

std::string magnitude(int64_t value) {  // |value| as decimal, INT64_MIN included
  const uint64_t m = value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : uint64_t(value);
  return std::to_string(m);
}

}  // namespace

std::string integer_range_gbnf(std::optional<int64_t> minimum, std::optional<int64_t> maximum) {
  std::vector<std::string> alternatives;
  // Non-negative part: [max(minimum, 0), maximum].
  if (!maximum || *maximum >= 0) {
    const int64_t low = minimum && *minimum > 0 ? *minimum : 0;
    std::optional<std::string> high;
    if (maximum) high = std::to_string(*maximum);
    for (std::string& a : natural_range(std::to_string(low), high)) alternatives.push_back(a);
  }
  // Negative part: "-" and a magnitude in [max(1, -maximum), -minimum].
  if (!minimum || *minimum < 0) {
    const std::string low = maximum && *maximum < 0 ? magnitude(*maximum) : "1";
    std::optional<std::string> high;
    if (minimum) high = magnitude(*minimum);
    alternatives.push_back("\"-\" " + group(natural_range(low, high)));
  }
  return "(" + join(alternatives, " | ") + ")";
}

}  // namespace yak::grammar
