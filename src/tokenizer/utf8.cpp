#include "tokenizer/utf8.h"

namespace yak::tokenizer {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t utf8_complete_prefix(std::string_view pending) {
  // Only the last three bytes can belong to a sequence that is still incomplete.
  const size_t n = pending.size();
  const size_t first = n > 3 ? n - 3 : 0;
  for (size_t start = first; start < n; ++start) {
    const auto lead = static_cast<uint8_t>(pending[start]);
    if (lead < 0xC2 || lead >= 0xF5) continue;
    const size_t want = utf8_lead_length(lead);
    if (start + want <= n) continue;  // complete (valid or not): emit it
    bool continuations_ok = true;
    for (size_t i = start + 1; i < n; ++i) {
      if ((static_cast<uint8_t>(pending[i]) & 0xC0) != 0x80) continuations_ok = false;
    }
    if (continuations_ok) return start;
  }
  return n;
}

void append_sanitized(std::string& out, std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t length = utf8_valid_length(bytes, pos);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++pos;
    } else {
      out.append(bytes.substr(pos, length));
      pos += length;
    }
  }
}

const ByteCharMap& ByteCharMap::get() {
  static const ByteCharMap map;
  return map;
}

ByteCharMap::ByteCharMap() {
  byte_of_codepoint_.fill(-1);
  // Printable Latin-1 bytes stand for themselves; the others are moved to 256 and up
  // in byte order, which is what GPT-2's bytes_to_unicode does.
  const auto printable = [](int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const uint32_t cp = printable(b) ? static_cast<uint32_t>(b) : static_cast<uint32_t>(next++);
    std::string text;
    append_utf8(text, cp);
    lengths_[b] = static_cast<uint8_t>(text.size());
    for (size_t i = 0; i < text.size(); ++i) chars_[b][i] = text[i];
    byte_of_codepoint_[cp] = static_cast<int16_t>(b);
  }
}

bool ByteCharMap::decode(std::string_view text, std::string& out) const {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t length = utf8_valid_length(text, pos);
    if (length == 0) return false;
    const uint32_t cp = utf8_decode_at(text, pos, length);
    if (cp >= byte_of_codepoint_.size() || byte_of_codepoint_[cp] < 0) return false;
    out.push_back(static_cast<char>(byte_of_codepoint_[cp]));
    pos += length;
  }
  return true;
}

}  // namespace yak::tokenizer
