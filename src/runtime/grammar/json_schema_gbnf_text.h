// Writing GBNF text: literals, character classes, and the JSON-encoded forms of characters.
// The JSON Schema converter and the regular-expression translator share these, so that the
// text they emit follows one set of quoting rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yak::grammar {

// An inclusive range of Unicode code points.
struct CodepointRange {
  uint32_t first;
  uint32_t last;
};

// A set of code points as sorted, disjoint, non-adjacent ranges.
class CodepointSet {
 public:
  CodepointSet() = default;
  static CodepointSet of(uint32_t cp) { return range(cp, cp); }
  static CodepointSet range(uint32_t first, uint32_t last);
  static CodepointSet all();  // every Unicode scalar value (surrogates excluded)

  void add(uint32_t first, uint32_t last);
  void add(const CodepointSet& other);
  CodepointSet complement() const;  // within all()
  CodepointSet minus(const CodepointSet& other) const;
  bool contains(uint32_t cp) const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<CodepointRange>& ranges() const { return ranges_; }

 private:
  std::vector<CodepointRange> ranges_;
};

// The code points of UTF-8 text; throws GrammarError naming `what` on invalid UTF-8.
std::vector<uint32_t> utf8_codepoints(std::string_view text, std::string_view what);
std::string utf8_encode(uint32_t cp);

// A GBNF literal matching exactly `utf8` ("..." with \" \\ and \xHH for control bytes).
std::string gbnf_literal(std::string_view utf8);
// A GBNF character class matching exactly the code points of `set` (non-empty).
std::string gbnf_class(const CodepointSet& set);

// The characters a JSON string may hold unescaped: everything but '"', '\' and U+0000-U+001F.
CodepointSet json_plain_chars();
// How `cp` is written inside a JSON string by json.dumps(ensure_ascii=False) and nlohmann:
// itself, or \" \\ \b \f \n \r \t, or \u00xx (lowercase hex) for other control characters.
std::string json_escaped_char(uint32_t cp);
// A GBNF expression (parenthesized when needed) for one character of `set` as it is written
// inside a JSON string: a plain character in its raw form, others as json_escaped_char().
// Empty `set` is a caller bug.
std::string json_string_char_gbnf(const CodepointSet& set);

}  // namespace yak::grammar
