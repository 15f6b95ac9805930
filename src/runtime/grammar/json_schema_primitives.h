// The shared rules of JSON text every schema grammar builds on: whitespace, string
// characters, strings, numbers, and any JSON value.
//
// Whitespace between tokens is bounded so a model cannot loop on it: nothing, one space, or a
// newline followed by up to 20 spaces or tabs. That takes compact output (',' ':'),
// json.dumps' default (', ' ': ') and indented output (indent=2 to a nesting depth of 10).
#pragma once

#include <string>

#include "runtime/grammar/json_schema_rules.h"

namespace yak::grammar {

inline constexpr int kMaxIndent = 20;

std::string ws_rule(GbnfRules& rules);
// One character of a JSON string: a plain character or a valid escape.
std::string char_rule(GbnfRules& rules);
std::string string_rule(GbnfRules& rules);
std::string number_rule(GbnfRules& rules);
std::string integer_rule(GbnfRules& rules);
std::string boolean_rule(GbnfRules& rules);
std::string null_rule(GbnfRules& rules);
// Any JSON value (objects and arrays of anything, recursively).
std::string value_rule(GbnfRules& rules);

}  // namespace yak::grammar
