// Showing text that comes from model files (names, chat templates, token pieces) on a
// terminal. Such text is whatever bytes the file holds: it may carry escape sequences that
// recolour or rewrite the screen, bidi overrides that make text read differently from what
// it is, or invalid UTF-8. These helpers make it safe to print while keeping ordinary
// characters (any script, emoji) as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace yak {

// Length of the valid UTF-8 sequence starting at text[pos] (1 to 4), or 0 when the bytes
// there are not one valid, complete sequence (overlong forms and surrogates are invalid).
size_t utf8_sequence_length(std::string_view text, size_t pos);

// The code point of the valid sequence of `length` bytes at text[pos] (see above).
uint32_t utf8_decode_at(std::string_view text, size_t pos, size_t length);

// `text` with everything that is not a plainly printable character escaped:
//   backslash -> \\, newline/tab/return -> \n \t \r, `quote` (when not 0) -> \<quote>,
//   other C0 controls and DEL -> \xNN, bytes that are not valid UTF-8 -> \xNN,
//   C1 controls (U+0080..U+009F), bidi controls (U+061C, U+200E/F, U+202A..U+202E,
//   U+2066..U+2069), invisible format characters (U+200B..U+200D, U+2028/9,
//   U+2060..U+2064, U+FEFF) and Unicode tags (U+E0000..U+E007F) -> \uXXXX or \UXXXXXXXX.
// The result is printable ASCII plus the other characters of the input, so valid UTF-8.
// A text longer than max_bytes is cut there (before a character, not inside one) and
// "...(N bytes)" is appended, so that a megabyte-long value cannot flood a message.
std::string escape_for_terminal(std::string_view text, char quote = 0,
                                size_t max_bytes = std::string_view::npos);

}  // namespace yak
