// Comparing secrets (API keys) without leaking, through the time taken, how much of a guess
// was right.
#pragma once

#include <string_view>

namespace yak::serve {

// True when a and b are equal. The time depends only on the longer length, never on where
// the first difference lies.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace yak::serve
