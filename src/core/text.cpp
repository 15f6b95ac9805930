// yak/text.h. Lives in core so that every layer (the GGUF reader's display strings, the
// CLI through the public header) escapes the same way.
#include "yak/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace yak {
namespace {

// Characters that draw nothing yet change how the text around them reads or is laid out.
bool is_invisible_control(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF ||
         (cp >= 0xE0000 && cp <= 0xE007F);
}

}  // namespace

uint32_t utf8_decode_at(std::string_view text, size_t pos, size_t length) {
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(text[i])); };
  switch (length) {
    case 1:
      return byte(pos);
    case 2:
      return ((byte(pos) & 0x1F) << 6) | (byte(pos + 1) & 0x3F);
    case 3:
      return ((byte(pos) & 0x0F) << 12) | ((byte(pos + 1) & 0x3F) << 6) | (byte(pos + 2) & 0x3F);
    default:
      return ((byte(pos) & 0x07) << 18) | ((byte(pos + 1) & 0x3F) << 12) |
             ((byte(pos + 2) & 0x3F) << 6) | (byte(pos + 3) & 0x3F);
  }
}

size_t utf8_sequence_length(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  const auto lead = static_cast<uint8_t>(text[pos]);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t min_cp = 0;
  if (lead >= 0xC2 && lead < 0xE0) {
    length = 2, min_cp = 0x80;
  } else if (lead >= 0xE0 && lead < 0xF0) {
    length = 3, min_cp = 0x800;
  } else if (lead >= 0xF0 && lead < 0xF5) {
    length = 4, min_cp = 0x10000;
  } else {
    return 0;
  }
  if (length > text.size() - pos) return 0;
  for (size_t i = 1; i < length; ++i)
    if ((static_cast<uint8_t>(text[pos + i]) & 0xC0) != 0x80) return 0;
  const uint32_t cp = utf8_decode_at(text, pos, length);
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

std::string escape_for_terminal(std::string_view full, char quote, size_t max_bytes) {
  size_t n = std::min(full.size(), max_bytes);
  while (n > 0 && n < full.size() && (static_cast<unsigned char>(full[n]) & 0xC0) == 0x80) --n;
  const std::string_view text = full.substr(0, n);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else if (quote != 0 && c == static_cast<unsigned char>(quote)) {
        out.push_back('\\');
        out.push_back(quote);
      } else if (c < 0x20 || c == 0x7F) {
        out += fmt::format("\\x{:02x}", c);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    const uint32_t cp = utf8_decode_at(text, i, length);
    if (is_invisible_control(cp)) {
      out += cp > 0xFFFF ? fmt::format("\\U{:08x}", cp) : fmt::format("\\u{:04x}", cp);
    } else {
      out.append(text, i, length);
    }
    i += length;
  }
  if (n < full.size()) out += fmt::format("...({} bytes)", full.size());
  return out;
}

}  // namespace yak
