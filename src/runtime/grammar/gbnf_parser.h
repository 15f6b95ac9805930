// GBNF text to a syntax tree of rules (llama.cpp's grammar format). Only syntax is
// checked here; names are resolved and the grammar is checked as a whole by compile().
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yak::grammar {

// A byte offset in the GBNF text; shown as line:column only when a message needs it.
using SourcePosition = size_t;
std::string line_column(std::string_view text, SourcePosition offset);

struct Sequence;

// One item of a sequence, with its repetition bounds ({1,1} when it has none).
struct Item {
  enum class Kind { kLiteral, kClass, kAny, kRule, kGroup };
  Kind kind = Kind::kLiteral;
  std::u32string literal;                             // kLiteral: code points
  std::vector<std::pair<char32_t, char32_t>> ranges;  // kClass: inclusive code point ranges
  bool negated = false;                               // kClass: [^...]
  std::string rule;                                   // kRule: the name referred to
  std::vector<Sequence> alternatives;                 // kGroup
  int min = 1;
  int max = 1;  // -1: unbounded
  SourcePosition position;
};

struct Sequence {
  std::vector<Item> items;
};

struct RuleDefinition {
  std::string name;
  std::vector<Sequence> alternatives;
  SourcePosition position;
};

// Throws GrammarError with line:column on a syntax error or a limit (text size, nesting,
// repetition counts) exceeded.
std::vector<RuleDefinition> parse_gbnf(std::string_view text);

}  // namespace yak::grammar
