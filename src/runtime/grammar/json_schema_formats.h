// The string formats a schema may ask for, as grammars of the string's content (between the
// quotes). Exact shapes (docs/structured-output.md):
//   date       YYYY-MM-DD, year 0001-9999, month 01-12, the day valid for the month and year
//              (February 29 only in leap years: divisible by 4, centuries only by 400)
//   time       HH:MM:SS, an optional fraction of 1-9 digits, then Z or +HH:MM / -HH:MM
//              (hours 00-23, minutes and seconds 00-59; upper-case Z only, no leap second)
//   date-time  date "T" time (upper-case T)
//   uuid       8-4-4-4-12 hexadecimal digits, either case, any version
//   email      dot-atom local part @ two or more DNS labels (letters, digits, inner hyphens,
//              at most 63 characters each); no quoted local parts, no IP literals
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/grammar/json_schema_rules.h"

namespace yak::grammar {

// The rule for the content of a string of `format`, or nullopt for a format not supported.
std::optional<std::string> format_gbnf(std::string_view format, GbnfRules& rules);

}  // namespace yak::grammar
