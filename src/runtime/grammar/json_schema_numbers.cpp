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
  if (!high && low.size() < kMaxIntegerDigits) {  // every longer number, up to the digit cap
    std::string longer = "[1-9]";
    if (!low.empty()) longer += " " + any_digits(low.size());
    const size_t more = kMaxIntegerDigits - low.size() - 1;
    if (more > 0) longer += fmt::format(" [0-9]{{0,{}}}", more);
    alternatives.push_back(longer);
  }
  return alternatives;
}

std::string magnitude(int64_t value) {  // |value| as decimal, INT64_MIN included
  const uint64_t m = value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : uint64_t(value);
  return std::to_string(m);
}

// Magnitudes (I or I.F, no sign) in the interval from `low` to `high` (high nullopt: no end),
// both non-negative; alternatives appended to `out`.
void magnitude_range(NumberBound low, std::optional<NumberBound> high,
                     std::vector<std::string>& out) {
  const size_t f = kMaxFractionDigits;
  const std::string any_fraction = fmt::format("(\".\" [0-9]{{1,{}}})?", f);
  const std::string zero_fraction = fmt::format("(\".\" \"0\"{{1,{}}})?", f);
  const std::string nonzero_fraction =
      fmt::format("\".\" \"0\"{{0,{}}} [1-9] [0-9]{{0,{}}}", f - 1, f - 1);
  const std::string a = std::to_string(low.value);
  if (high && high->value < low.value) return;
  if (high && high->value == low.value) {  // one integer part: [a, a]
    if (!low.exclusive && !high->exclusive) out.push_back("\"" + a + "\" " + zero_fraction);
    return;
  }
  // Strictly inside: any fraction.
  if (low.value < INT64_MAX && (!high || low.value + 1 <= high->value - 1)) {
    std::optional<int64_t> inner_high;
    if (high) inner_high = high->value - 1;
    out.push_back(integer_range_gbnf(low.value + 1, inner_high) + " " + any_fraction);
  }
  // The integer part at each end.
  out.push_back("\"" + a + "\" " + (low.exclusive ? nonzero_fraction : any_fraction));
  if (high && !high->exclusive) {
    out.push_back("\"" + std::to_string(high->value) + "\" " + zero_fraction);
  }
}

}  // namespace

std::string number_range_gbnf(std::optional<NumberBound> low, std::optional<NumberBound> high) {
  std::vector<std::string> alternatives;
  auto below_zero = [](const std::optional<NumberBound>& b) { return !b || b->value < 0; };
  // Non-negative numbers, no sign: from max(low, 0) to high.
  const bool positive = !high || high->value > 0 || (high->value == 0 && !high->exclusive);
  if (positive) {
    NumberBound from = below_zero(low) ? NumberBound{0, false} : *low;
    std::vector<std::string> part;
    magnitude_range(from, high, part);
    alternatives.insert(alternatives.end(), part.begin(), part.end());
  }
  // Negative numbers: "-" and a magnitude from max(-high, 0) to -low.
  if (below_zero(low)) {
    NumberBound from{0, false};
    if (high && high->value <= 0)
      from = {high->value == INT64_MIN ? INT64_MAX : -high->value, high->exclusive};
    std::optional<NumberBound> to;
    if (low) to = NumberBound{low->value == INT64_MIN ? INT64_MAX : -low->value, low->exclusive};
    std::vector<std::string> part;
    magnitude_range(from, to, part);
    if (!part.empty()) alternatives.push_back("\"-\" " + group(part));
  }
  if (alternatives.empty()) return "";
  return "(" + join(alternatives, " | ") + ")";
}

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
