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
std::string integer_range_gbnf(std::optional<int64_t> minimum, std::optional<int64_t> maximum);

}  // namespace yak::grammar
