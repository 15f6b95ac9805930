#include "tokenizer/nfc.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tokenizer/utf8.h"

namespace yak::tokenizer {
namespace {

struct CombiningClass {
  uint32_t cp;
  uint8_t ccc;
};
struct Decomposition {
  uint32_t cp;
  uint16_t offset;
  uint8_t length;
};
struct Composition {
  uint32_t first;
  uint32_t second;
  uint32_t composite;
};

#include "tokenizer/nfc_tables.inc"

// Hangul syllables decompose and compose by arithmetic (Unicode 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr uint32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t combining_class(uint32_t cp) {
  if (cp < 0x300) return 0;
  const auto* end = std::end(kCombiningClass);
  const auto* it = std::lower_bound(std::begin(kCombiningClass), end, cp,
                                    [](const CombiningClass& c, uint32_t v) { return c.cp < v; });
  return it != end && it->cp == cp ? it->ccc : 0;
}

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (cp >= 0xC0) {
    const auto* end = std::end(kDecomposition);
    const auto* it = std::lower_bound(std::begin(kDecomposition), end, cp,
                                      [](const Decomposition& d, uint32_t v) { return d.cp < v; });
    if (it != end && it->cp == cp) {
      out.insert(out.end(), kDecompositionPool + it->offset,
                 kDecompositionPool + it->offset + it->length);
      return;
    }
  }
  out.push_back(cp);
}

// The primary composite of a pair, or 0.
uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const auto* end = std::end(kComposition);
  const auto* it = std::lower_bound(
      std::begin(kComposition), end, std::pair{a, b}, [](const Composition& c, const auto& v) {
        return c.first < v.first || (c.first == v.first && c.second < v.second);
      });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

// Normalizes the code points of one valid UTF-8 run in place.
void normalize(std::vector<uint32_t>& cps, std::vector<uint32_t>& buf) {
  buf.clear();
  for (uint32_t cp : cps) decompose(cp, buf);
  // Canonical order: a stable sort of each run of non-starters by combining class.
  for (size_t i = 0; i < buf.size();) {
    if (combining_class(buf[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < buf.size() && combining_class(buf[j]) != 0) ++j;
    std::stable_sort(buf.begin() + i, buf.begin() + j, [](uint32_t x, uint32_t y) {
      return combining_class(x) < combining_class(y);
    });
    i = j;
  }
  // Canonical composition: each character joins the last starter unless blocked.
  cps.clear();
  if (buf.empty()) return;
  size_t starter = 0;
  cps.push_back(buf[0]);
  int last_class = combining_class(buf[0]) == 0 ? 0 : 256;
  for (size_t i = 1; i < buf.size(); ++i) {
    const uint32_t ch = buf[i];
    const int ch_class = combining_class(ch);
    const uint32_t composite = compose(cps[starter], ch);
    if (composite != 0 && (last_class < ch_class || last_class == 0)) {
      cps[starter] = composite;
      continue;
    }
    if (ch_class == 0) starter = cps.size();
    last_class = ch_class;
    cps.push_back(ch);
  }
}

}  // namespace

bool nfc_may_change(std::string_view text) {
  // U+0300 is the first code point whose UTF-8 lead byte is 0xCC.
  for (char c : text) {
    if (static_cast<uint8_t>(c) >= 0xCC) return true;
  }
  return false;
}

void append_nfc(std::string& out, std::string_view text) {
  std::vector<uint32_t> cps, buf;
  size_t pos = 0;
  auto flush = [&] {
    normalize(cps, buf);
    for (uint32_t cp : cps) append_utf8(out, cp);
    cps.clear();
  };
  while (pos < text.size()) {
    const size_t length = utf8_valid_length(text, pos);
    if (length == 0) {
      flush();
      out.push_back(text[pos++]);
      continue;
    }
    cps.push_back(utf8_decode_at(text, pos, length));
    pos += length;
  }
  flush();
}

}  // namespace yak::tokenizer
