#include "tokenizer/chat_template/lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "tokenizer/chat_template/pystr.h"

namespace yak::chat_template {

std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src.size(); ++i)
      if (src[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t n = src_.size();
    while (i_ < n) {
      size_t j = find_tag(i_);
      if (j == std::string_view::npos) {
        emit_text(std::string(src_.substr(i_)), i_);
        break;
      }
      char kind = src_[j + 1];
      char sign = j + 2 < n && (src_[j + 2] == '-' || src_[j + 2] == '+') ? src_[j + 2] : 0;
      std::string text(src_.substr(i_, j - i_));
      if (sign == '-') {
        text = py::strip(text, std::nullopt, false, true);
      } else if (sign != '+' && kind != '{') {
        // lstrip_blocks: drop the spaces before a block or comment tag that starts its line.
        size_t l_pos = text.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if ((l_pos > 0 || line_starting_) && l_pos < text.size() &&
            all_space(std::string_view(text).substr(l_pos)))
          text.resize(l_pos);
      }
      emit_text(std::move(text), i_);
      size_t k = j + 2 + (sign ? 1 : 0);
      if (kind == '#') {
        lex_comment(j, k);
      } else if (kind == '%' && try_raw(j, k)) {
        // handled
      } else {
        lex_tag(j, k, kind == '%');
      }
    }
    out_.push_back(Token{TokenType::kEof, "", 0, 0, pos_at(src_.size())});
    return std::move(out_);
  }

 private:
  Pos pos_at(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t line = static_cast<size_t>(it - line_starts_.begin());
    return Pos{static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }

  size_t find_tag(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string_view::npos; p = src_.find('{', p + 1)) {
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#'))
        return p;
    }
    return std::string_view::npos;
  }

  static bool all_space(std::string_view s) {
    for (char32_t c : py::decode(s))
      if (!py::is_space(c)) return false;
    return true;
  }

  // Index just past the whitespace (Python's \s) starting at p.
  size_t skip_space(size_t p) const {
    while (p < src_.size()) {
      unsigned char c = static_cast<unsigned char>(src_[p]);
      if (c < 0x80) {
        if (!py::is_space(c)) break;
        ++p;
        continue;
      }
      size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
      std::u32string cp = py::decode(src_.substr(p, len));
      if (cp.size() != 1 || !py::is_space(cp[0])) break;
      p += len;
    }
    return p;
  }

  void emit_text(std::string text, size_t offset) {
    if (text.empty()) return;
    out_.push_back(Token{TokenType::kText, std::move(text), 0, 0, pos_at(offset)});
  }

  // Consumes a tag end at p: "-%}" eats all following whitespace, "+%}" nothing, and a
  // plain "%}" one newline (trim_blocks; variables never trim).
  void finish_tag(size_t end_start, size_t after, bool minus, bool plus, bool trim) {
    size_t p = after;
    if (minus) {
      p = skip_space(p);
    } else if (!plus && trim && p < src_.size() && src_[p] == '\n') {
      ++p;
    }
    line_starting_ = p > 0 && src_[p - 1] == '\n';
    (void)end_start;
    i_ = p;
  }

  void lex_comment(size_t start, size_t k) {
    size_t q = src_.find("#}", k);
    if (q == std::string_view::npos) syntax_error(pos_at(start), "missing end of comment tag");
    bool minus = q >= k + 1 && src_[q - 1] == '-';
    bool plus = q >= k + 1 && src_[q - 1] == '+';
    finish_tag(q, q + 2, minus, plus, true);
  }

  // {% raw %} ... {% endraw %}: the body is text, tags and all.
  bool try_raw(size_t start, size_t k) {
    size_t p = skip_space(k);
    if (src_.compare(p, 3, "raw") != 0 || (p + 3 < src_.size() && is_name_char(src_[p + 3])))
      return false;
    p = skip_space(p + 3);
    bool minus = false;
    if (p < src_.size() && src_[p] == '-') {
      minus = true;
      ++p;
    }
    if (src_.compare(p, 2, "%}") != 0) return false;
    p += 2;
    if (minus) p = skip_space(p);
    // Find "{%[-+]? endraw [-+]?%}".
    for (size_t q = src_.find("{%", p); q != std::string_view::npos; q = src_.find("{%", q + 1)) {
      size_t r = q + 2;
      char sign = r < src_.size() && (src_[r] == '-' || src_[r] == '+') ? src_[r] : 0;
      if (sign) ++r;
      r = skip_space(r);
      if (src_.compare(r, 6, "endraw") != 0) continue;
      r = skip_space(r + 6);
      char end_sign = r < src_.size() && (src_[r] == '-' || src_[r] == '+') ? src_[r] : 0;
      if (end_sign) ++r;
      if (src_.compare(r, 2, "%}") != 0) continue;
      std::string body(src_.substr(p, q - p));
      if (sign == '-') body = py::strip(body, std::nullopt, false, true);
      emit_text(std::move(body), p);
      finish_tag(r, r + 2, end_sign == '-', end_sign == '+', true);
      return true;
    }
    syntax_error(pos_at(start), "missing end of raw directive");
  }

  void lex_tag(size_t start, size_t k, bool block) {
    out_.push_back(
        Token{block ? TokenType::kBlockBegin : TokenType::kVarBegin, "", 0, 0, pos_at(start)});
    std::string brackets;
    size_t p = k;
    size_t n = src_.size();
    while (true) {
      p = skip_space(p);
      if (p >= n) syntax_error(pos_at(start), "unexpected end of template: unclosed tag");
      if (brackets.empty()) {
        const char* close = block ? "%}" : "}}";
        if (src_[p] == '-' && src_.compare(p + 1, 2, close) == 0) {
          out_.push_back(
              Token{block ? TokenType::kBlockEnd : TokenType::kVarEnd, "", 0, 0, pos_at(p)});
          finish_tag(p, p + 3, true, false, block);
          return;
        }
        if (block && src_[p] == '+' && src_.compare(p + 1, 2, close) == 0) {
          out_.push_back(Token{TokenType::kBlockEnd, "", 0, 0, pos_at(p)});
          finish_tag(p, p + 3, false, true, block);
          return;
        }
        if (src_.compare(p, 2, close) == 0) {
          out_.push_back(
              Token{block ? TokenType::kBlockEnd : TokenType::kVarEnd, "", 0, 0, pos_at(p)});
          finish_tag(p, p + 2, false, false, block);
          return;
        }
      }
      p = lex_token(p, brackets);
    }
  }

  size_t lex_token(size_t p, std::string& brackets) {
    char c = src_[p];
    Pos pos = pos_at(p);
    if (is_name_start(c)) {
      size_t e = p;
      while (e < src_.size() && is_name_char(src_[e])) ++e;
      out_.push_back(Token{TokenType::kName, std::string(src_.substr(p, e - p)), 0, 0, pos});
      return e;
    }
    if (is_digit(c)) return lex_number(p, pos);
    if (c == '\'' || c == '"') return lex_string(p, pos);
    static const char* kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : kTwo) {
      if (src_.compare(p, 2, op) == 0) {
        out_.push_back(Token{TokenType::kOperator, op, 0, 0, pos});
        return p + 2;
      }
    }
    static const std::string_view kOne = "+-/*%~[](){}<>=.:|,;";
    if (kOne.find(c) == std::string_view::npos)
      syntax_error(pos, "unexpected character '{}'", std::string(1, c));
    if (c == '(' || c == '[' || c == '{') {
      if (brackets.size() >= 256) syntax_error(pos, "brackets nested too deeply");
      brackets.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (brackets.empty() || brackets.back() != c)
        syntax_error(pos, "unexpected '{}'", std::string(1, c));
      brackets.pop_back();
    }
    out_.push_back(Token{TokenType::kOperator, std::string(1, c), 0, 0, pos});
    return p + 1;
  }

  // Digits with single underscores between them; returns the end, appends the digits.
  size_t digits(size_t p, std::string& out) const {
    while (p < src_.size()) {
      if (is_digit(src_[p])) {
        out.push_back(src_[p++]);
      } else if (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1]) && !out.empty()) {
        ++p;
      } else {
        break;
      }
    }
    return p;
  }

  size_t lex_number(size_t p, Pos pos) {
    std::string text;
    size_t e = digits(p, text);
    bool after_dot = p > 0 && src_[p - 1] == '.';
    bool is_float = false;
    if (!after_dot && e + 1 < src_.size() && src_[e] == '.' && is_digit(src_[e + 1])) {
      text.push_back('.');
      e = digits(e + 1, text);
      is_float = true;
    }
    if (!after_dot && e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t q = e + 1;
      std::string exp = "e";
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) exp.push_back(src_[q++]);
      if (q < src_.size() && is_digit(src_[q])) {
        e = digits(q, exp);
        text += exp;
        is_float = true;
      }
    }
    Token t{is_float ? TokenType::kFloat : TokenType::kInt, text, 0, 0, pos};
    if (is_float) {
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (errno == ERANGE) syntax_error(pos, "integer literal {} is too large", text);
      t.int_value = v;
    }
    out_.push_back(std::move(t));
    return e;
  }

  size_t lex_string(size_t p, Pos pos) {
    char quote = src_[p];
    size_t e = p + 1;
    std::string raw;
    while (true) {
      if (e >= src_.size()) syntax_error(pos, "unterminated string literal");
      char c = src_[e];
      if (c == '\\') {
        if (e + 1 >= src_.size()) syntax_error(pos, "unterminated string literal");
        raw.push_back(c);
        raw.push_back(src_[e + 1]);
        e += 2;
        continue;
      }
      if (c == quote) break;
      raw.push_back(c);
      ++e;
    }
    out_.push_back(Token{TokenType::kString, unescape(raw, pos), 0, 0, pos});
    return e + 1;
  }

  // Python's "unicode-escape" decoding, which jinja2 applies to string literals.
  static std::string unescape(const std::string& raw, Pos pos) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out.push_back(raw[i]);
        continue;
      }
      char c = raw[++i];
      auto hex = [&](int count) {
        uint32_t v = 0;
        for (int k = 1; k <= count; ++k) {
          if (i + k >= raw.size()) syntax_error(pos, "truncated escape in string literal");
          char h = raw[i + k];
          int d = is_digit(h)              ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (d < 0) syntax_error(pos, "truncated escape in string literal");
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += count;
        return v;
      };
      switch (c) {
        case '\n':
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '\'':
          out.push_back('\'');
          break;
        case '"':
          out.push_back('"');
          break;
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case 'x':
          py::append_utf8(out, hex(2));
          break;
        case 'u':
          py::append_utf8(out, hex(4));
          break;
        case 'U': {
          uint32_t v = hex(8);
          if (v > 0x10ffff) syntax_error(pos, "illegal Unicode character in string literal");
          py::append_utf8(out, v);
          break;
        }
        default:
          if (c >= '0' && c <= '7') {
            uint32_t v = static_cast<uint32_t>(c - '0');
            for (int k = 0; k < 2 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7';
                 ++k)
              v = v * 8 + static_cast<uint32_t>(raw[++i] - '0');
            py::append_utf8(out, v);
          } else {
            out.push_back('\\');
            out.push_back(c);
          }
      }
    }
    return out;
  }

  std::string_view src_;
  size_t i_ = 0;
  bool line_starting_ = true;
  std::vector<size_t> line_starts_;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace yak::chat_template
