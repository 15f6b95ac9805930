// From GBNF rules to the byte-level Rules the matcher runs: literals and classes become
// byte terminals (UTF-8), groups and repetitions become helper rules, and the grammar is
// checked as a whole (undefined rules, no root, matching no finite text, left recursion).
#pragma once

#include <string_view>

#include "runtime/grammar/rules.h"

namespace yak::grammar {

// Throws GrammarError naming the problem (with line:column where it has one).
Rules compile_gbnf(std::string_view text, std::string_view root);

}  // namespace yak::grammar
