#include "runtime/grammar/gbnf_parser.h"

#include <fmt/format.h>

#include "runtime/grammar/rules.h"
#include "yak/grammar.h"

namespace yak::grammar {

std::string line_column(std::string_view text, SourcePosition offset) {
  int line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not UTF-8 continuation bytes
    }
  }
  return fmt::format("{}:{}", line, column);
}

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string describe(char c) {
  if (c == '\n') return "a newline";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
    return fmt::format("byte 0x{:02X}", static_cast<unsigned char>(c));
  return fmt::format("'{}'", c);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::vector<RuleDefinition> parse() {
    std::vector<RuleDefinition> rules;
    skip_space(true);
    while (!at_end()) {
      rules.push_back(parse_rule());
      skip_space(true);
    }
    return rules;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  template <typename... Args>
  [[noreturn]] void error_at(size_t at, fmt::format_string<Args...> format, Args&&... args) {
    throw GrammarError(fmt::format("GBNF {}: {}", line_column(text_, at),
                                   fmt::format(format, std::forward<Args>(args)...)));
  }

  // Spaces, tabs and # comments; newlines too where a rule may continue (inside groups,
  // after `::=` and `|`).
  void skip_space(bool newlines) {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else if (newlines && (c == '\n' || c == '\r')) {
        ++pos_;
      } else {
        break;
      }
    }
  }

  std::string parse_name() {
    const size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  RuleDefinition parse_rule() {
    RuleDefinition rule;
    const size_t start = pos_;
    rule.position = start;
    rule.name = parse_name();
    if (rule.name.empty()) error_at(start, "expected a rule name, found {}", describe(peek()));
    skip_space(false);
    if (text_.substr(pos_, 3) != "::=") {
      error_at(pos_, "expected '::=' after the rule name '{}', found {}", rule.name,
               at_end() ? std::string("the end") : describe(peek()));
    }
    pos_ += 3;
    skip_space(true);
    rule.alternatives = parse_alternatives(false);
    skip_space(false);
    if (!at_end() && peek() != '\n' && peek() != '\r') {
      error_at(pos_, "unexpected {} in rule '{}'", describe(peek()), rule.name);
    }
    return rule;
  }

  std::vector<Sequence> parse_alternatives(bool nested) {
    std::vector<Sequence> alternatives;
    alternatives.push_back(parse_sequence(nested));
    while (peek() == '|') {
      ++pos_;
      skip_space(true);
      alternatives.push_back(parse_sequence(nested));
    }
    return alternatives;
  }

  Sequence parse_sequence(bool nested) {
    Sequence sequence;
    while (!at_end()) {
      const size_t start = pos_;
      const char c = peek();
      Item item;
      item.position = start;
      if (c == '"') {
        parse_literal(item);
      } else if (c == '[') {
        parse_class(item);
      } else if (c == '.') {
        item.kind = Item::Kind::kAny;
        ++pos_;
      } else if (c == '(') {
        parse_group(item);
      } else if (is_name_char(c)) {
        item.kind = Item::Kind::kRule;
        item.rule = parse_name();
      } else {
        break;  // |, ), a newline or something the caller reports
      }
      skip_space(nested);
      parse_repetitions(item);
      sequence.items.push_back(std::move(item));
    }
    return sequence;
  }

  void enter(size_t at) {
    if (++depth_ > kMaxNesting)
      error_at(at, "groups and repetitions nest deeper than {} levels", kMaxNesting);
  }

  void parse_group(Item& item) {
    const size_t open = pos_;
    enter(open);
    ++pos_;
    skip_space(true);
    item.kind = Item::Kind::kGroup;
    item.alternatives = parse_alternatives(true);
    skip_space(true);
    if (peek() != ')') {
      error_at(pos_, "expected ')' to close the group opened at {}, found {}",
               line_column(text_, open), at_end() ? std::string("the end") : describe(peek()));
    }
    ++pos_;
    --depth_;
  }

  // A repetition suffix; a second one applies to the first's result (x?* is (x?)*).
  void parse_repetitions(Item& item) {
    int stacked = 0;
    while (true) {
      const size_t start = pos_;
      int min = 0, max = 0;
      const char c = peek();
      if (c == '*') {
        min = 0, max = -1, ++pos_;
      } else if (c == '+') {
        min = 1, max = -1, ++pos_;
      } else if (c == '?') {
        min = 0, max = 1, ++pos_;
      } else if (c == '{') {
        parse_braces(min, max);
      } else {
        break;
      }
      if (item.min != 1 || item.max != 1) {
        enter(start);
        ++stacked;
        Item inner = std::move(item);
        item = Item{};
        item.kind = Item::Kind::kGroup;
        item.position = inner.position;
        item.alternatives.push_back(Sequence{});
        item.alternatives.back().items.push_back(std::move(inner));
      }
      item.min = min;
      item.max = max;
      skip_space(false);
    }
    depth_ -= stacked;
  }

  int parse_count() {
    const size_t start = pos_;
    long value = 0;
    while (peek() >= '0' && peek() <= '9') {
      value = value * 10 + (peek() - '0');
      if (value > kMaxRepetition)
        error_at(start, "repetition count is larger than the limit of {}", kMaxRepetition);
      ++pos_;
    }
    return static_cast<int>(value);
  }

  void parse_braces(int& min, int& max) {
    const size_t open = pos_;
    ++pos_;
    skip_space(false);
    const bool has_min = peek() >= '0' && peek() <= '9';
    min = has_min ? parse_count() : 0;
    skip_space(false);
    if (peek() == '}') {
      if (!has_min) error_at(open, "'{{}}' needs a count");
      max = min;
    } else if (peek() == ',') {
      ++pos_;
      skip_space(false);
      const bool has_max = peek() >= '0' && peek() <= '9';
      max = has_max ? parse_count() : -1;
      skip_space(false);
      if (peek() != '}') error_at(pos_, "expected '}}' to close the repetition opened here");
      if (has_max && max < min)
        error_at(open, "repetition {{{},{}}} has its maximum below its minimum", min, max);
    } else {
      error_at(pos_, "expected a count, ',' or '}}' in the repetition, found {}",
               at_end() ? std::string("the end") : describe(peek()));
    }
    ++pos_;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // One character of a literal or class: an escape or a UTF-8 encoded code point.
  char32_t parse_char() {
    const size_t start = pos_;
    const unsigned char c = static_cast<unsigned char>(peek());
    if (c == '\\') {
      ++pos_;
      const char e = peek();
      ++pos_;
      switch (e) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case '\\':
          return '\\';
        case '"':
          return '"';
        case '[':
          return '[';
        case ']':
          return ']';
        case '-':
          return '-';
        case '^':
          return '^';
        case '/':
          return '/';
        case 'x':
          return parse_hex(start, 2);
        case 'u':
          return parse_hex(start, 4);
        case 'U':
          return parse_hex(start, 8);
        default:
          error_at(start, "unknown escape '\\{}'", e == '\0' ? std::string() : std::string(1, e));
      }
    }
    int length = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (length == 0 || pos_ + length > text_.size())
      error_at(start, "invalid UTF-8 in the grammar");
    char32_t cp = length == 1 ? c : c & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
      const unsigned char k = static_cast<unsigned char>(text_[pos_ + i]);
      if ((k & 0xC0) != 0x80) error_at(start, "invalid UTF-8 in the grammar");
      cp = (cp << 6) | (k & 0x3F);
    }
    pos_ += length;
    return cp;
  }

  char32_t parse_hex(size_t start, int digits) {
    char32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const int d = hex_value(peek());
      if (d < 0) error_at(start, "escape needs {} hexadecimal digits", digits);
      value = value * 16 + d;
      ++pos_;
    }
    if (value > 0x10FFFF) error_at(start, "escape U+{:X} is beyond Unicode", uint32_t(value));
    return value;
  }

  void parse_literal(Item& item) {
    const size_t open = pos_;
    item.kind = Item::Kind::kLiteral;
    ++pos_;
    while (true) {
      if (at_end() || peek() == '\n') error_at(open, "unterminated string literal");
      if (peek() == '"') break;
      item.literal.push_back(parse_char());
    }
    ++pos_;
  }

  void parse_class(Item& item) {
    const size_t open = pos_;
    item.kind = Item::Kind::kClass;
    ++pos_;
    if (peek() == '^') {
      item.negated = true;
      ++pos_;
    }
    while (true) {
      if (at_end() || peek() == '\n') error_at(open, "unterminated character class");
      if (peek() == ']') break;
      const size_t at = pos_;
      const char32_t lo = parse_char();
      char32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && peek(1) != '\0') {
        ++pos_;
        hi = parse_char();
        if (hi < lo)
          error_at(at, "character range U+{:04X}-U+{:04X} is reversed", uint32_t(lo), uint32_t(hi));
      }
      item.ranges.emplace_back(lo, hi);
    }
    ++pos_;
  }
};

}  // namespace

std::vector<RuleDefinition> parse_gbnf(std::string_view text) {
  if (text.size() > kMaxGrammarBytes) {
    throw GrammarError(fmt::format("GBNF grammar is {} bytes, more than the limit of {}",
                                   text.size(), kMaxGrammarBytes));
  }
  return Parser(text).parse();
}

}  // namespace yak::grammar
