// A JSON Schema `pattern` (an ECMA-262 regular expression) as a grammar of the JSON string
// content it allows. JSON Schema patterns are not anchored: a string is valid when the
// expression matches somewhere in it, so an alternative without ^ gets any characters before
// it and one without $ any after.
//
// The subset: literal characters; escapes \d \D \w \W \s \S (ASCII digits and word
// characters, ECMA-262's whitespace set), \t \n \r \f \v \0 \xHH \uHHHH and a backslash before
// any punctuation; classes [...] and [^...] with ranges and those escapes; `.` (anything but
// \n \r U+2028 U+2029); groups ( ) and (?: ); alternation |; quantifiers ? * + {m} {m,} {m,n},
// greedy or lazy (the same set of strings); ^ at the start and $ at the end of a top-level
// alternative. Anything else (lookaround, backreferences, \b word boundaries, named groups,
// \p{...} properties, anchors elsewhere, flags) is a GrammarError that names it.
//
// The grammar sees the JSON text, so each character is accepted in the form json.dumps and
// nlohmann write it: raw, or \" \\ \b \f \n \r \t and \u00xx for control characters. Other
// \u escapes of characters the pattern constrains are not accepted (stricter, never looser).
#pragma once

#include <string>
#include <string_view>

namespace yak::grammar {

inline constexpr int kMaxRegexRepetition = 10000;

// A GBNF expression for the JSON-encoded content of the strings `pattern` matches somewhere.
// `any_char` is the expression for one character of a JSON string in any encoding (for the
// unanchored ends). Throws GrammarError with a message naming the offending construct.
std::string regex_to_gbnf(std::string_view pattern, std::string_view any_char);

}  // namespace yak::grammar
