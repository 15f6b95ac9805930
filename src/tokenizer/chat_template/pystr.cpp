#include "tokenizer/chat_template/pystr.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tokenizer/utf8.h"

namespace yak::chat_template::py {

size_t code_point_bytes(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len <= 1) return 1;
  char32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
  if (i + len > s.size()) return 1;
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 1;
    cp = (cp << 6) | (cc & 0x3f);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF as Python's decoder does.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000))
    return 1;
  return static_cast<size_t>(len);
}

char32_t code_point_at(std::string_view s, size_t i, size_t n) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (n == 1) return c < 0x80 ? c : 0xdc00 + c;
  char32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = code_point_bytes(s, i);
    out.push_back(code_point_at(s, i, n));
    i += n;
  }
  return out;
}

size_t find(std::string_view hay, std::string_view needle, size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  if (needle.empty()) return from;
  if (needle.size() == 1) return hay.find(needle[0], from);  // memchr
  // glibc's memmem is linear in the worst case; std::string::find is not
  // ('a' * n).find('a' * (n/2) + 'b') would take n*n/2 steps.
  const void* p = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return p ? static_cast<size_t>(static_cast<const char*>(p) - hay.data()) : std::string_view::npos;
}

size_t rfind(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  std::string rh(hay.rbegin(), hay.rend()), rn(needle.rbegin(), needle.rend());
  size_t p = py::find(rh, rn, 0);
  return p == std::string_view::npos ? p : hay.size() - p - needle.size();
}

void append_utf8(std::string& out, char32_t c) {
  if (c >= 0xdc80 && c <= 0xdcff) {  // an undecodable byte, restored as it was
    out.push_back(static_cast<char>(c - 0xdc00));
  } else {
    tokenizer::append_utf8(out, static_cast<uint32_t>(c));
  }
}

std::string encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

size_t length(std::string_view s) {
  if (is_ascii(s)) return s.size();
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += code_point_bytes(s, i)) ++n;
  return n;
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

bool is_printable(char32_t c) {
  if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) return false;
  if (c == 0x20) return true;
  if (is_space(c)) return false;  // separators other than the space
  if (c == 0xad || (c >= 0x600 && c <= 0x605) || c == 0x61c || c == 0x6dd || c == 0x70f ||
      c == 0x180e || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2060 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb))
    return false;  // format characters
  if (c >= 0xd800 && c < 0xe000) return false;
  if ((c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000) return false;  // private use
  return true;
}

namespace {

// Simple one-to-one case pairs for the scripts templates meet in practice: ASCII, Latin-1,
// Latin Extended-A, Greek, Cyrillic and fullwidth Latin.
char32_t to_upper_cp(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0x80) return c;
  if ((c >= 0xe0 && c <= 0xfe && c != 0xf7)) return c - 32;
  if (c == 0xff) return 0x178;
  if (c == 0xb5) return 0x39c;
  if (c >= 0x100 && c <= 0x17f) {
    if (c == 0x131) return 'I';
    if (c == 0x17f) return 'S';
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) return (c % 2 == 0) ? c - 1 : c;
    if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x178) return c;
    return (c % 2 == 1) ? c - 1 : c;
  }
  if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) return c - 32;
  if (c == 0x3c2) return 0x3a3;
  if (c >= 0x430 && c <= 0x44f) return c - 32;
  if (c >= 0x450 && c <= 0x45f) return c - 80;
  if (c >= 0xff41 && c <= 0xff5a) return c - 32;
  return c;
}

char32_t to_lower_cp(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if ((c >= 0xc0 && c <= 0xde && c != 0xd7)) return c + 32;
  if (c == 0x178) return 0xff;
  if (c >= 0x100 && c <= 0x17f) {
    if (c == 0x130) return 'i';
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) return (c % 2 == 1) ? c + 1 : c;
    if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17f) return c;
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) return c + 32;
  if (c >= 0x410 && c <= 0x42f) return c + 32;
  if (c >= 0x400 && c <= 0x40f) return c + 80;
  if (c >= 0xff21 && c <= 0xff3a) return c + 32;
  return c;
}

template <typename F>
std::string map_codepoints(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {  // in place: a decoded copy would be 4x the text
    size_t n = code_point_bytes(s, i);
    f(out, code_point_at(s, i, n));
    i += n;
  }
  return out;
}

void append_upper(std::string& out, char32_t c) {
  if (c == 0xdf) {
    out += "SS";
    return;
  }
  append_utf8(out, to_upper_cp(c));
}

}  // namespace

bool is_cased(char32_t c) { return to_upper_cp(c) != c || to_lower_cp(c) != c || c == 0xdf; }

std::string upper(std::string_view s) { return map_codepoints(s, append_upper); }

std::string lower(std::string_view s) {
  return map_codepoints(s, [](std::string& out, char32_t c) { append_utf8(out, to_lower_cp(c)); });
}

std::string title(std::string_view s) {
  bool previous_cased = false;
  return map_codepoints(s, [&](std::string& out, char32_t c) {
    bool cased = is_cased(c);
    if (!cased) {
      append_utf8(out, c);
    } else if (previous_cased) {
      append_utf8(out, to_lower_cp(c));
    } else if (c == 0xdf) {
      out += "Ss";
    } else {
      append_utf8(out, to_upper_cp(c));
    }
    previous_cased = cased;
  });
}

std::string capitalize(std::string_view s) {
  bool first = true;
  return map_codepoints(s, [&](std::string& out, char32_t c) {
    if (first) {
      if (c == 0xdf) {
        out += "Ss";
      } else {
        append_utf8(out, to_upper_cp(c));
      }
    } else {
      append_utf8(out, to_lower_cp(c));
    }
    first = false;
  });
}

std::pair<size_t, size_t> strip_range(std::string_view s, const std::optional<std::string>& chars,
                                      bool left, bool right) {
  std::u32string set = chars ? decode(*chars) : std::u32string();
  auto strippable = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : is_space(c);
  };
  // One forward pass: the first kept code point starts the result, the last one ends it.
  size_t first = s.size(), last_end = 0;
  bool any = false;
  for (size_t i = 0; i < s.size();) {
    size_t n = code_point_bytes(s, i);
    if (!strippable(code_point_at(s, i, n))) {
      if (!any) first = i;
      any = true;
      last_end = i + n;
    }
    i += n;
  }
  size_t b = left ? first : 0;
  size_t e = right ? (any ? last_end : b) : s.size();
  if (e < b) e = b;
  return {b, e};
}

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right) {
  auto [b, e] = strip_range(s, chars, left, right);
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit, bool from_right, size_t max_pieces) {
  // Pieces past max_pieces are not wanted: treat it as a maxsplit.
  if (max_pieces < SIZE_MAX && (maxsplit < 0 || static_cast<uint64_t>(maxsplit) > max_pieces))
    maxsplit = static_cast<int64_t>(max_pieces);
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) return {};  // the caller reports "empty separator"
    if (from_right) {
      // Matching from the right is matching the reversed separator in the reversed text.
      std::string rs(s.rbegin(), s.rend()), rsep(sep->rbegin(), sep->rend());
      std::vector<std::string> rev = split(rs, rsep, maxsplit, false, max_pieces);
      for (auto it = rev.rbegin(); it != rev.rend(); ++it)
        out.emplace_back(it->rbegin(), it->rend());
      return out;
    }
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      size_t hit = py::find(s, *sep, pos);
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(pos, hit - pos));
      pos = hit + sep->size();
    }
    out.emplace_back(s.substr(pos));
    return out;
  }
  std::u32string u = decode(s);
  if (!from_right) {
    size_t i = 0;
    while (i < u.size()) {
      while (i < u.size() && is_space(u[i])) ++i;
      if (i == u.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        size_t e = u.size();
        while (e > i && is_space(u[e - 1])) --e;
        out.push_back(encode(std::u32string_view(u).substr(i, e - i)));
        break;
      }
      size_t j = i;
      while (j < u.size() && !is_space(u[j])) ++j;
      out.push_back(encode(std::u32string_view(u).substr(i, j - i)));
      i = j;
    }
    return out;
  }
  std::vector<std::string> rev;
  size_t e = u.size();
  while (e > 0) {
    while (e > 0 && is_space(u[e - 1])) --e;
    if (e == 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(rev.size()) == maxsplit) {
      size_t b = 0;
      while (b < e && is_space(u[b])) ++b;
      rev.push_back(encode(std::u32string_view(u).substr(b, e - b)));
      break;
    }
    size_t b = e;
    while (b > 0 && !is_space(u[b - 1])) --b;
    rev.push_back(encode(std::u32string_view(u).substr(b, e - b)));
    e = b;
  }
  out.assign(rev.rbegin(), rev.rend());
  return out;
}

bool each_line(std::string_view s, bool keepends, const std::function<bool(std::string_view)>& fn) {
  size_t start = 0, i = 0;
  while (i < s.size()) {
    size_t n = code_point_bytes(s, i);
    char32_t c = code_point_at(s, i, n);
    bool brk = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
               c == 0x1e || c == 0x85 || c == 0x2028 || c == 0x2029;
    size_t end = i;
    i += n;
    if (!brk) continue;
    if (c == '\r' && i < s.size() && s[i] == '\n') ++i;
    if (!fn(s.substr(start, (keepends ? i : end) - start))) return false;
    start = i;
  }
  if (start < s.size()) return fn(s.substr(start));
  return true;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends, size_t max_pieces) {
  std::vector<std::string> out;
  each_line(s, keepends, [&](std::string_view line) {
    out.emplace_back(line);
    return out.size() <= max_pieces;
  });
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view with,
                    int64_t count) {
  std::string out;
  if (old.empty()) {  // Python inserts `with` around every code point
    std::u32string u = decode(s);
    int64_t done = 0;
    for (size_t i = 0; i <= u.size(); ++i) {
      if (count < 0 || done < count) {
        out += with;
        ++done;
      }
      if (i < u.size()) append_utf8(out, u[i]);
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = py::find(s, old, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(with);
    pos = hit + old.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

std::string repr(std::string_view s) {
  std::u32string u = decode(s);
  bool has_single = u.find(U'\'') != std::u32string::npos;
  bool has_double = u.find(U'"') != std::u32string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : u) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (!is_printable(c)) {
      char buf[16];
      if (c < 0x100) {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      } else if (c < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      } else {
        std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      }
      out += buf;
    } else {
      append_utf8(out, c);
    }
  }
  out.push_back(quote);
  return out;
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // shortest round-trip digits, e.g. "-1.25e+02"
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t epos = sci.find('e');
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (size_t i = 0; i < epos; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  std::string out = negative ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
      out += digits + std::string(exp + 1 - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + ebuf;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace yak::chat_template::py
