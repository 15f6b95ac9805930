// Python str semantics over UTF-8 bytes: templates index, slice, strip, split and
// case-map strings by code point, as Python does. Invalid UTF-8 bytes decode to
// U+DC80..U+DCFF (Python's surrogateescape) so that they survive a round trip.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yak::chat_template::py {

std::u32string decode(std::string_view s);
// The bytes of the code point starting at s[i] (1 for a byte that does not decode).
size_t code_point_bytes(std::string_view s, size_t i);
// The code point of those n bytes (U+DC80.. for an undecodable byte).
char32_t code_point_at(std::string_view s, size_t i, size_t n);
// Linear-time substring search (npos when absent).
size_t find(std::string_view hay, std::string_view needle, size_t from = 0);
size_t rfind(std::string_view hay, std::string_view needle);
std::string encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);
size_t length(std::string_view s);  // in code points
bool is_ascii(std::string_view s);

bool is_space(char32_t c);  // str.isspace()
bool is_printable(char32_t c);
bool is_cased(char32_t c);

std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string title(std::string_view s);       // str.title()
std::string capitalize(std::string_view s);  // str.capitalize()

// str.strip/lstrip/rstrip; chars unset means whitespace. strip_range gives the byte range
// kept, so that callers can carry the taint of those bytes.
std::pair<size_t, size_t> strip_range(std::string_view s, const std::optional<std::string>& chars,
                                      bool left, bool right);
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
// str.split(sep, maxsplit) and str.rsplit; maxsplit < 0 means no limit. Both stop once
// they hold more than max_pieces pieces (the caller refuses such a result), so that a
// hostile split does not build millions of strings first.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit, bool from_right = false,
                               size_t max_pieces = SIZE_MAX);
std::vector<std::string> splitlines(std::string_view s, bool keepends = false,
                                    size_t max_pieces = SIZE_MAX);
// Calls fn with each line splitlines() would give, in place; stops when fn returns false
// (and then returns false).
bool each_line(std::string_view s, bool keepends, const std::function<bool(std::string_view)>& fn);
std::string replace(std::string_view s, std::string_view old, std::string_view with, int64_t count);

std::string repr(std::string_view s);         // repr(str), quotes included
std::string float_repr(double d);             // repr(float)
std::string html_escape(std::string_view s);  // markupsafe.escape

}  // namespace yak::chat_template::py
