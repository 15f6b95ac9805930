#include "runtime/grammar/json_schema_gbnf_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "yak/grammar.h"

namespace yak::grammar {
namespace {

constexpr uint32_t kMaxCodepoint = 0x10FFFF;
constexpr uint32_t kSurrogateFirst = 0xD800;
constexpr uint32_t kSurrogateLast = 0xDFFF;

// A class member: printable ASCII as itself (with the class's own metacharacters escaped),
// everything else as a \x, \u or \U escape so the text stays readable and unambiguous.
std::string class_char(uint32_t cp) {
  if (cp == '\\' || cp == ']' || cp == '[' || cp == '-' || cp == '^') {
    return std::string{'\\', static_cast<char>(cp)};
  }
  if (cp >= 0x20 && cp < 0x7F) return std::string(1, static_cast<char>(cp));
  if (cp < 0x80) return fmt::format("\\x{:02X}", cp);
  if (cp <= 0xFFFF) return fmt::format("\\u{:04X}", cp);
  return fmt::format("\\U{:08X}", cp);
}

}  // namespace

CodepointSet CodepointSet::range(uint32_t first, uint32_t last) {
  CodepointSet set;
  set.add(first, last);
  return set;
}

CodepointSet CodepointSet::all() {
  CodepointSet set;
  set.add(0, kSurrogateFirst - 1);
  set.add(kSurrogateLast + 1, kMaxCodepoint);
  return set;
}

void CodepointSet::add(uint32_t first, uint32_t last) {
  if (first > last) return;
  ranges_.push_back({first, last});
  std::sort(ranges_.begin(), ranges_.end(),
            [](const CodepointRange& a, const CodepointRange& b) { return a.first < b.first; });
  std::vector<CodepointRange> merged;
  for (const CodepointRange& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

void CodepointSet::add(const CodepointSet& other) {
  for (const CodepointRange& r : other.ranges_) add(r.first, r.last);
}

CodepointSet CodepointSet::complement() const { return all().minus(*this); }

CodepointSet CodepointSet::minus(const CodepointSet& other) const {
  CodepointSet out;
  for (const CodepointRange& r : ranges_) {
    uint32_t next = r.first;
    bool done = false;
    for (const CodepointRange& cut : other.ranges_) {
      if (cut.last < next || cut.first > r.last) continue;
      if (cut.first > next) out.add(next, cut.first - 1);
      if (cut.last >= r.last) {
        done = true;
        break;
      }
      next = cut.last + 1;
    }
    if (!done) out.add(next, r.last);
  }
  return out;
}

bool CodepointSet::contains(uint32_t cp) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [cp](const CodepointRange& r) { return r.first <= cp && cp <= r.last; });
}

std::vector<uint32_t> utf8_codepoints(std::string_view text, std::string_view what) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07;
    } else {
      throw GrammarError(fmt::format("{} is not valid UTF-8 (byte {})", what, i));
    }
    if (i + length > text.size()) {
      throw GrammarError(fmt::format("{} is not valid UTF-8 (truncated at byte {})", what, i));
    }
    for (size_t k = 1; k < length; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) {
        throw GrammarError(fmt::format("{} is not valid UTF-8 (byte {})", what, i + k));
      }
      cp = (cp << 6) | (cont & 0x3F);
    }
    const bool overlong =
        (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || cp > kMaxCodepoint || (cp >= kSurrogateFirst && cp <= kSurrogateLast)) {
      throw GrammarError(fmt::format("{} is not valid UTF-8 (byte {})", what, i));
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

std::string utf8_encode(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string gbnf_literal(std::string_view utf8) {
  std::string out = "\"";
  for (char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += c;  // UTF-8 passes through: GBNF literals are Unicode text
    }
  }
  out += '"';
  return out;
}

std::string gbnf_class(const CodepointSet& set) {
  std::string out = "[";
  for (const CodepointRange& r : set.ranges()) {
    out += class_char(r.first);
    if (r.last == r.first) continue;
    if (r.last > r.first + 1) out += '-';
    out += class_char(r.last);
  }
  out += ']';
  return out;
}

CodepointSet json_plain_chars() {
  CodepointSet control = CodepointSet::range(0, 0x1F);
  control.add('"', '"');
  control.add('\\', '\\');
  return CodepointSet::all().minus(control);
}

std::string json_escaped_char(uint32_t cp) {
  switch (cp) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      break;
  }
  if (cp < 0x20) return fmt::format("\\u{:04x}", cp);
  return utf8_encode(cp);
}

std::string json_string_char_gbnf(const CodepointSet& set) {
  std::vector<std::string> alternatives;
  const CodepointSet plain = set.minus(CodepointSet::all().minus(json_plain_chars()));
  if (!plain.empty()) alternatives.push_back(gbnf_class(plain));
  for (const CodepointRange& r : set.minus(json_plain_chars()).ranges()) {
    for (uint32_t cp = r.first; cp <= r.last; ++cp) {
      alternatives.push_back(gbnf_literal(json_escaped_char(cp)));
    }
  }
  if (alternatives.size() == 1) return alternatives[0];
  std::string out = "(";
  for (size_t i = 0; i < alternatives.size(); ++i) {
    if (i > 0) out += " | ";
    out += alternatives[i];
  }
  out += ')';
  return out;
}

}  // namespace yak::grammar
