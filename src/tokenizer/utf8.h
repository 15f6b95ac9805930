// UTF-8 helpers and the GPT-2 byte <-> character mapping of byte-level BPE.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "yak/text.h"

namespace yak::tokenizer {

// Length of the valid UTF-8 sequence starting at text[pos], or 0 when the bytes
// there are not a valid, complete sequence (overlong forms and surrogates are invalid).
inline size_t utf8_valid_length(std::string_view text, size_t pos) {
  return yak::utf8_sequence_length(text, pos);
}

// Length of the sequence a lead byte announces (1 for ASCII and for invalid lead
// bytes, so that callers always advance).
inline size_t utf8_lead_length(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

void append_utf8(std::string& out, uint32_t codepoint);

// Decodes the sequence at text[pos] (which must be valid, see utf8_valid_length).
using yak::utf8_decode_at;

// Splits `pending` into what can be emitted now and what must wait for more bytes:
// returns the number of leading bytes that form complete characters or definitely
// invalid bytes; the rest is an incomplete (but so far valid) sequence at the end.
size_t utf8_complete_prefix(std::string_view pending);

// Copies `bytes` to `out`, replacing each invalid byte with U+FFFD.
void append_sanitized(std::string& out, std::string_view bytes);

// GPT-2's reversible mapping of the 256 byte values to printable characters.
class ByteCharMap {
 public:
  static const ByteCharMap& get();
  // The UTF-8 text of the character that stands for `byte`.
  std::string_view char_of(uint8_t byte) const { return {chars_[byte].data(), lengths_[byte]}; }
  // Maps a byte-level string back to bytes; false when a character is not in the map.
  bool decode(std::string_view text, std::string& out) const;

 private:
  ByteCharMap();
  std::array<std::array<char, 2>, 256> chars_{};
  std::array<uint8_t, 256> lengths_{};
  std::array<int16_t, 512> byte_of_codepoint_{};  // all mapped code points are < 512
};

}  // namespace yak::tokenizer
