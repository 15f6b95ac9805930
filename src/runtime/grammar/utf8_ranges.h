// Code point ranges to UTF-8 byte patterns: a class such as [一-龥] becomes a few sequences
// of byte ranges (E4 [B8-BF] [80-BF] | [E5-E9] [80-BF] [80-BF] | ...) so that the automaton
// can match it one byte at a time, and a token may end inside a character.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace yak::grammar {

using CodePointRange = std::pair<char32_t, char32_t>;  // inclusive
using ByteRange = std::pair<uint8_t, uint8_t>;         // inclusive

// Sorted, merged, without surrogates (U+D800-U+DFFF, which UTF-8 cannot encode), and
// complemented within U+0000-U+10FFFF when `negated`.
std::vector<CodePointRange> normalize_ranges(std::vector<CodePointRange> ranges, bool negated);

// The UTF-8 encodings of the code points lo..hi as sequences of byte ranges: every
// encoding matches exactly one sequence, and every byte string a sequence matches is one
// of the encodings.
std::vector<std::vector<ByteRange>> utf8_sequences(char32_t lo, char32_t hi);

// The UTF-8 encoding of one code point (cp <= U+10FFFF).
int encode_utf8(char32_t cp, uint8_t out[4]);

}  // namespace yak::grammar
