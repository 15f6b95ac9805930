// Integer ranges as grammar: the canonical decimal forms (no leading zeros, no "-0") of the
// integers in [minimum, maximum], either bound optional. Exact: a digit-by-digit range
// expansion, so a model can write only in-range integers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace yak::grammar {

// A parenthesized GBNF expression (rule-free) for the integers in [minimum, maximum].
// Requires minimum <= maximum when both are given.
// Digits a number may have where the schema sets no bound, as Grammar::json_object() allows,
// so that a model cannot write digits forever: 16 in the integer part (an integer range's
// open side included), 16 in the fraction, 3 in the exponent.
inline constexpr size_t kMaxIntegerDigits = 16;
inline constexpr size_t kMaxFractionDigits = 16;
inline constexpr size_t kMaxExponentDigits = 3;

std::string integer_range_gbnf(std::optional<int64_t> minimum, std::optional<int64_t> maximum);

// An integer bound on a number, inclusive (minimum/maximum) or exclusive.
struct NumberBound {
  int64_t value;
  bool exclusive = false;
};

// A parenthesized GBNF expression for the JSON numbers between the bounds (either optional),
// written without an exponent: `-? int ("." digits)?` (a bounded number with an exponent is
// refused: stricter, never looser). Exact: the integer part is an integer range, and at a
// bound the fraction is constrained (none or zeros at an inclusive upper end, not all zeros
// just above an exclusive lower end). "-0" forms are taken only when the range reaches below 0.
// Returns "" when no number lies between the bounds.
std::string number_range_gbnf(std::optional<NumberBound> low, std::optional<NumberBound> high);

}  // namespace yak::grammar
