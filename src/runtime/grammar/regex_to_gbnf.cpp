#include "runtime/grammar/regex_to_gbnf.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "runtime/grammar/json_schema_gbnf_text.h"
#include "yak/grammar.h"

namespace yak::grammar {
namespace {

CodepointSet digit_set() { return CodepointSet::range('0', '9'); }

CodepointSet word_set() {
  CodepointSet set = CodepointSet::range('a', 'z');
  set.add('A', 'Z');
  set.add('0', '9');
  set.add('_', '_');
  return set;
}

// ECMA-262 WhiteSpace and LineTerminator (what \s matches).
CodepointSet space_set() {
  CodepointSet set = CodepointSet::range('\t', '\r');  // \t \n \v \f \r
  for (uint32_t cp :
       {0x20u, 0xA0u, 0x1680u, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u, 0xFEFFu}) {
    set.add(cp, cp);
  }
  set.add(0x2000, 0x200A);
  return set;
}

CodepointSet dot_set() {  // everything but the line terminators
  CodepointSet terminators = CodepointSet::of('\n');
  terminators.add('\r', '\r');
  terminators.add(0x2028, 0x2029);
  return CodepointSet::all().minus(terminators);
}

bool is_ascii_letter(uint32_t cp) { return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'); }
bool is_digit(uint32_t cp) { return cp >= '0' && cp <= '9'; }

// One element of a sequence: a literal run (merged with its neighbours) or any other
// expression.
struct Piece {
  std::string gbnf;
  bool literal = false;
  std::string json_text;  // a literal's JSON-encoded text
  // "(...)?": a group with an empty alternative, `gbnf` holding the group without the '?'.
  bool optional = false;
  bool nullable = false;  // gbnf (without the optional '?') can match the empty string
  std::string text() const { return optional ? gbnf + "?" : gbnf; }
};

// A sequence or alternation's expression and whether it can match the empty string.
struct Expression {
  std::string gbnf;
  bool nullable = false;
};

class RegexTranslator {
 public:
  RegexTranslator(std::string_view pattern, std::string_view any_char)
      : pattern_(pattern), cps_(utf8_codepoints(pattern, "pattern")), any_char_(any_char) {}

  std::string translate() {
    std::vector<std::string> alternatives;
    bool some_empty = false;
    while (true) {
      bool anchored_start = false;
      bool anchored_end = false;
      if (peek('^')) {
        ++pos_;
        anchored_start = true;
      }
      std::string body = sequence(/*top=*/true, anchored_end).gbnf;
      std::vector<std::string> parts;
      if (!anchored_start) parts.push_back(any_char_ + "*");
      if (!body.empty()) parts.push_back(body);
      if (!anchored_end && !(parts.size() == 1 && !anchored_start))
        parts.push_back(any_char_ + "*");
      if (parts.empty()) {
        some_empty = true;
      } else {
        alternatives.push_back(join(parts, " "));
      }
      if (at_end()) break;
      if (peek(')')) fail("unbalanced ')'");
      ++pos_;  // '|'
    }
    if (alternatives.empty()) return "";
    return "(" + join(alternatives, " | ") + ")" + (some_empty ? "?" : "");
  }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw GrammarError(fmt::format("pattern '{}': {} at character {}", pattern_, what, pos_));
  }
  bool at_end() const { return pos_ >= cps_.size(); }
  bool peek(uint32_t cp) const { return !at_end() && cps_[pos_] == cp; }
  uint32_t next() {
    if (at_end()) fail("unexpected end");
    return cps_[pos_++];
  }

  static std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += separator;
      out += parts[i];
    }
    return out;
  }

  // A group's alternatives; an empty alternative makes the group optional (GBNF has no
  // empty expression). nullopt when every alternative is empty.
  std::optional<Piece> group_alternation() {
    std::vector<std::string> alternatives;
    bool some_empty = false;
    bool some_nullable = false;
    while (true) {
      bool unused_anchor = false;
      Expression body = sequence(/*top=*/false, unused_anchor);
      if (body.gbnf.empty()) {
        some_empty = true;
      } else {
        alternatives.push_back(body.gbnf);
        some_nullable = some_nullable || body.nullable;
      }
      if (at_end()) fail("unbalanced '('");
      if (peek(')')) {
        ++pos_;
        break;
      }
      ++pos_;  // '|'
    }
    if (alternatives.empty()) return std::nullopt;
    Piece p;
    p.gbnf = "(" + join(alternatives, " | ") + ")";
    p.optional = some_empty;
    p.nullable = some_nullable;
    return p;
  }

  // A sequence up to '|', ')' or the end (not consumed). At the top level a final '$' sets
  // `anchored_end`.
  Expression sequence(bool top, bool& anchored_end) {
    std::vector<Piece> pieces;
    while (!at_end() && !peek('|') && !peek(')')) {
      if (peek('$')) {
        ++pos_;
        if (top && (at_end() || peek('|'))) {
          anchored_end = true;
          break;
        }
        --pos_;
        fail("anchor '$' other than at the end of the pattern or of a top-level alternative");
      }
      if (peek('^')) fail("anchor '^' other than at the start of a top-level alternative");
      std::optional<Piece> piece = quantified(atom());
      if (!piece) continue;
      if (piece->literal && !pieces.empty() && pieces.back().literal) {
        pieces.back().json_text += piece->json_text;  // merge runs of literals
        pieces.back().gbnf = gbnf_literal(pieces.back().json_text);
      } else {
        pieces.push_back(std::move(*piece));
      }
    }
    Expression out;
    out.nullable = true;
    std::vector<std::string> parts;
    for (const Piece& p : pieces) {
      parts.push_back(p.text());
      out.nullable = out.nullable && (p.optional || p.nullable);
    }
    out.gbnf = join(parts, " ");
    return out;
  }

  static Piece literal_piece(uint32_t cp) {
    Piece p;
    p.literal = true;
    p.json_text = json_escaped_char(cp);
    p.gbnf = gbnf_literal(p.json_text);
    return p;
  }

  static Piece set_piece(const CodepointSet& set) {
    const auto& ranges = set.ranges();
    if (ranges.size() == 1 && ranges[0].first == ranges[0].last)
      return literal_piece(ranges[0].first);
    Piece p;
    p.gbnf = json_string_char_gbnf(set);
    return p;
  }

  // The atom at pos_, or nullopt for one that matches only the empty string.
  std::optional<Piece> atom() {
    const uint32_t cp = next();
    switch (cp) {
      case '(': {
        if (peek('?')) {
          ++pos_;
          if (!peek(':')) {
            fail("group construct '(?' (lookaround, named groups and flags are not supported)");
          }
          ++pos_;
        }
        return group_alternation();
      }
      case '[':
        return set_piece(char_class());
      case '.':
        return set_piece(dot_set());
      case '\\': {
        std::optional<CodepointSet> set = escape(/*in_class=*/false);
        return set_piece(*set);
      }
      case '*':
      case '+':
      case '?':
        --pos_;
        fail("nothing to repeat");
      case '{':
        --pos_;
        fail("'{' without something to repeat (escape it as \\{)");
      default:
        return literal_piece(cp);
    }
  }

  // The set an escape (after the backslash) stands for.
  std::optional<CodepointSet> escape(bool in_class) {
    const uint32_t cp = next();
    switch (cp) {
      case 'd':
        return digit_set();
      case 'D':
        return digit_set().complement();
      case 'w':
        return word_set();
      case 'W':
        return word_set().complement();
      case 's':
        return space_set();
      case 'S':
        return space_set().complement();
      case 't':
        return CodepointSet::of('\t');
      case 'n':
        return CodepointSet::of('\n');
      case 'r':
        return CodepointSet::of('\r');
      case 'f':
        return CodepointSet::of('\f');
      case 'v':
        return CodepointSet::of('\v');
      case '0':
        if (!at_end() && is_digit(cps_[pos_])) fail("octal escape");
        return CodepointSet::of(0);
      case 'x':
        return CodepointSet::of(hex_digits(2));
      case 'u':
        if (peek('{')) fail("escape \\u{...}");
        return CodepointSet::of(hex_digits(4));
      case 'b':
        if (in_class) return CodepointSet::of('\b');
        fail("word boundary \\b");
      case 'B':
        fail("word boundary \\B");
      case 'p':
      case 'P':
        fail("Unicode property escape \\p / \\P");
      case 'c':
        fail("control escape \\c");
      case 'k':
        fail("named backreference \\k");
      default:
        break;
    }
    if (is_digit(cp)) fail("backreference");
    if (is_ascii_letter(cp)) fail(fmt::format("unknown escape '\\{}'", static_cast<char>(cp)));
    return CodepointSet::of(cp);  // an escaped punctuation or other character: itself
  }

  uint32_t hex_digits(int count) {
    uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      const uint32_t c = next();
      uint32_t digit = 0;
      if (is_digit(c)) {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        fail("bad hexadecimal escape");
      }
      value = value * 16 + digit;
    }
    if (value >= 0xD800 && value <= 0xDFFF) fail("surrogate code point in an escape");
    return value;
  }

  // A class member: a single character (returned) or a class escape (put in `set`).
  std::optional<uint32_t> class_member(CodepointSet& set) {
    const uint32_t cp = next();
    if (cp != '\\') return cp;
    CodepointSet escaped = *escape(/*in_class=*/true);
    const auto& ranges = escaped.ranges();
    if (ranges.size() == 1 && ranges[0].first == ranges[0].last) return ranges[0].first;
    set.add(escaped);
    return std::nullopt;
  }

  CodepointSet char_class() {
    bool negated = false;
    if (peek('^')) {
      ++pos_;
      negated = true;
    }
    if (peek(']')) fail(negated ? "class '[^]'" : "empty class '[]'");
    CodepointSet set;
    while (true) {
      if (at_end()) fail("unterminated character class");
      if (peek(']')) {
        ++pos_;
        break;
      }
      std::optional<uint32_t> first = class_member(set);
      const bool range = peek('-') && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']';
      if (!range) {
        if (first) set.add(*first, *first);
        continue;
      }
      ++pos_;  // '-'
      std::optional<uint32_t> last = class_member(set);
      if (!first || !last) fail("class range with a class escape (\\d, \\w, \\s) as an end");
      if (*last < *first) fail("class range out of order");
      set.add(*first, *last);
    }
    return negated ? set.complement() : set;
  }

  // Parses a quantifier after an atom, if any.
  std::optional<Piece> quantified(std::optional<Piece> atom) {
    if (at_end()) return atom;
    std::string suffix;
    int low = 1;
    int high = 1;
    const uint32_t cp = cps_[pos_];
    if (cp == '?' || cp == '*' || cp == '+') {
      ++pos_;
      suffix = std::string(1, static_cast<char>(cp));
      low = cp == '+' ? 1 : 0;
      high = cp == '?' ? 1 : -1;
    } else if (cp == '{') {
      ++pos_;
      low = number();
      high = low;
      if (peek(',')) {
        ++pos_;
        high = peek('}') ? -1 : number();
      }
      if (!peek('}')) fail("bad repetition {m,n}");
      ++pos_;
      if (high >= 0 && high < low) fail("repetition {m,n} with n < m");
      if (high < 0) {
        suffix = fmt::format("{{{},}}", low);
      } else if (low == high) {
        suffix = fmt::format("{{{}}}", low);
      } else {
        suffix = fmt::format("{{{},{}}}", low, high);
      }
    } else {
      return atom;
    }
    if (peek('?')) ++pos_;  // lazy: the same strings match
    if (!at_end() && (peek('?') || peek('*') || peek('+') || peek('{'))) fail("nested quantifier");
    if (!atom || high == 0) return std::nullopt;
    if (low == 1 && high == 1) return atom;
    if (low == 0 && high == 1) {
      if (atom->optional) return atom;
      Piece p = *atom;
      p.literal = false;
      p.optional = true;
      return p;
    }
    if (atom->nullable) {  // the grammar compiler refuses repeating what can match nothing
      fail("repetition of a group that can match the empty string");
    }
    if (atom->optional) {  // (x|)* is x*, (x|){2,5} is x{0,5}
      low = 0;
      suffix = high < 0 ? "*" : fmt::format("{{0,{}}}", high);
    }
    Piece p;
    p.gbnf = atom->gbnf + suffix;
    p.nullable = low == 0;
    return p;
  }

  int number() {
    if (at_end() || !is_digit(cps_[pos_])) fail("bad repetition {m,n}");
    int64_t value = 0;
    while (!at_end() && is_digit(cps_[pos_])) {
      value = value * 10 + (cps_[pos_++] - '0');
      if (value > kMaxRegexRepetition) {
        fail(fmt::format("repetition count over {}", kMaxRegexRepetition));
      }
    }
    return static_cast<int>(value);
  }

  std::string_view pattern_;
  std::vector<uint32_t> cps_;
  std::string any_char_;
  size_t pos_ = 0;
};

}  // namespace

std::string regex_to_gbnf(std::string_view pattern, std::string_view any_char) {
  return RegexTranslator(pattern, any_char).translate();
}

}  // namespace yak::grammar
