// Byte layouts of the quantized block types, identical to ggml's so that the
// tensors of any GGUF file can be read in place. Scales stored as fp16 are kept
// as raw bits (uint16_t) and converted with core/half.h.
//
// Legacy types hold 32 values per block. K-quants hold a super-block of 256
// values split into sub-blocks (16 of 16 or 8 of 32) whose scales are
// themselves quantized against one or two fp16 super-block scales.
//
// The reference code copies each block into one of these structs with memcpy
// rather than casting the file pointer, so blocks need no particular alignment.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace yak::kernels::ref {

static_assert(std::endian::native == std::endian::little,
              "GGUF block layouts are little-endian; a big-endian host would need byte swaps");

inline constexpr int kQK = 32;           // values per legacy block
inline constexpr int kQK_K = 256;        // values per K-quant super-block
inline constexpr int kKScaleBytes = 12;  // packed 6-bit scales and mins of Q4_K / Q5_K

// x = d * (q - 8), q in 0..15. qs[j] holds value j (low nibble) and j + 16 (high nibble).
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK / 2];
};

// x = d * q + m, q in 0..15; nibbles as in Q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK / 2];
};

// x = d * (q - 16), q in 0..31. Low 4 bits as in Q4_0; bit 4 of value j is bit j
// of the little-endian 32-bit word qh.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};

// x = d * q + m, q in 0..31; bits as in Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};

// x = d * q, q a signed byte.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};

// 16 sub-blocks of 16. scales[i]: low nibble scale, high nibble min of sub-block i;
// x = d * scale * q - dmin * min, q in 0..3. Value h*128 + s*32 + l (h in 0..1,
// s in 0..3, l in 0..31) is bits 2s..2s+1 of qs[h*32 + l]; its sub-block is h*8 + s*2 + l/16.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d;
  uint16_t dmin;
};

// 16 sub-blocks of 16 with signed 6-bit scales (stored + 32), x = d * (scale - 32) * q,
// q in -4..3. Value h*128 + s*32 + l takes its low 2 bits from qs as in Q2_K and
// q = low - 4 unless bit (h*4 + s) of hmask[l] is set. Scale i: low 4 bits are the low
// nibble of scales[i] (i < 8) or the high nibble of scales[i - 8]; high 2 bits are bits
// 2*(i/4)..+1 of scales[8 + i%4].
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};

// 8 sub-blocks of 32 with 6-bit scales and mins packed in 12 bytes (see
// quant_ref_k.cpp); x = d * scale * q - dmin * min, q in 0..15. Sub-blocks 2c and
// 2c+1 are the low and high nibbles of qs[c*32 .. c*32+31].
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kQK_K / 2];
};

// As Q4_K with a fifth bit: bit 4 of value c*32 + l is bit c of qh[l]; q in 0..31.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};

// 16 sub-blocks of 16 with int8 scales; x = d * scale * (q - 32), q in 0..63.
// In half h (128 values), value h*128 + s*32 + l (s in 0..3, l in 0..31) takes its
// low nibble from ql[h*64 + (s&1)*32 + l] (low nibble for s < 2, high otherwise)
// and its top 2 bits from bits 2s..2s+1 of qh[h*32 + l]; its sub-block is h*8 + s*2 + l/16.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};

// The 16 levels of the non-linear 4-bit types: a code q stands for kIQ4NLValues[q]
// (times the block scale). Denser near zero, where most weights are, and lopsided:
// the negative end reaches -127, the positive 113.
inline constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// x = d * kIQ4NLValues[q], q in 0..15; nibbles as in Q4_0.
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK / 2];
};

// 8 sub-blocks of 32 with signed 6-bit scales (stored + 32): x = d * (scale - 32) *
// kIQ4NLValues[q]. Sub-block i's 16 bytes qs[16i .. 16i+15] hold its values as a Q4_0
// block does (value l in the low nibble of byte l, value l+16 in the high nibble); its
// scale's low 4 bits are nibble i % 2 of scales_l[i / 2], its top 2 bits bits 2i..2i+1
// of scales_h.
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};

namespace iq4_detail {
// Midpoints between consecutive levels (exact in float: halves of integers).
constexpr std::array<float, 15> midpoints() {
  std::array<float, 15> m{};
  for (int q = 0; q < 15; ++q) m[q] = (kIQ4NLValues[q] + kIQ4NLValues[q + 1]) / 2.0f;
  return m;
}
inline constexpr std::array<float, 15> kMidpoints = midpoints();
// For each integer k in [-127, 113): the code nearest k (the count of midpoints <= k).
constexpr std::array<uint8_t, 240> codes_of_integers() {
  std::array<uint8_t, 240> c{};
  for (int k = 0; k < 240; ++k) {
    int q = 0;
    while (q < 15 && kMidpoints[q] <= static_cast<float>(k - 127)) ++q;
    c[k] = static_cast<uint8_t>(q);
  }
  return c;
}
inline constexpr std::array<uint8_t, 240> kCodeOfInteger = codes_of_integers();
}  // namespace iq4_detail

// The code whose level is nearest v (v in units of the levels), for quantizers: the number
// of midpoints between consecutive levels that are <= v, so a tie goes to the higher level.
// Defined for any v: NaN gives code 0.
inline int nearest_iq4nl_code(float v) {
  using iq4_detail::kMidpoints;
  if (!(v >= -127.0f)) return 0;
  if (v >= 113.0f) return 15;
  // The code of the integer below v is at most one off (levels are at least 11 apart): a
  // midpoint may lie between that integer and v, or v + 127 may have rounded up to the next
  // integer (then the code may be one too high).
  int q = iq4_detail::kCodeOfInteger[std::min<size_t>(static_cast<size_t>(v + 127.0f), 239)];
  if (q > 0 && v < kMidpoints[q - 1])
    --q;
  else if (q < 15 && v >= kMidpoints[q])
    ++q;
  return q;
}

// Scale i (0..7) of IQ4_XS, unbiased (-32..31), from its scales_h and scales_l.
inline int unpack_iq4xs_scale(uint16_t scales_h, const uint8_t* scales_l, int i) {
  const int low = (scales_l[i / 2] >> (4 * (i % 2))) & 0x0f;
  const int high = (scales_h >> (2 * i)) & 3;
  return (low | (high << 4)) - 32;
}
inline int unpack_iq4xs_scale(const BlockIQ4_XS& b, int i) {
  return unpack_iq4xs_scale(b.scales_h, b.scales_l, i);
}

// The inverse, for quantizers: OR scale i (-32..31) into a block whose scales are zeroed.
inline void pack_iq4xs_scale(BlockIQ4_XS& b, int i, int scale) {
  const int biased = scale + 32;
  b.scales_l[i / 2] = static_cast<uint8_t>(b.scales_l[i / 2] | ((biased & 0x0f) << (4 * (i % 2))));
  b.scales_h = static_cast<uint16_t>(b.scales_h | ((biased >> 4) << (2 * i)));
}

// Scale i (0..15) of Q3_K, unbiased (-32..31), from its 12 packed bytes: the
// low 4 bits in the nibbles of bytes 0-7 (scales 0-7 low, 8-15 high), the top
// 2 bits in bits 2(i / 4)..+1 of byte 8 + i % 4.
inline int unpack_q3k_scale(const uint8_t* p, int i) {
  const int low = i < 8 ? (p[i] & 0x0f) : (p[i - 8] >> 4);
  const int high = (p[8 + i % 4] >> (2 * (i / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// Scale and min of sub-block j (0..7) of Q4_K / Q5_K, from their 12 packed
// bytes: bytes 0-3 hold scales 0-3 and bytes 4-7 mins 0-3 in their low 6 bits;
// scales and mins 4-7 keep their low 4 bits in the nibbles of bytes 8-11 and
// their top 2 bits in the spare top bits of bytes 0-3 (scales) and 4-7 (mins).
inline void unpack_q4k_scale_min(const uint8_t* p, int j, int& sc, int& m) {
  if (j < 4) {
    sc = p[j] & 63;
    m = p[j + 4] & 63;
  } else {
    sc = (p[j + 4] & 0x0f) | ((p[j - 4] >> 6) << 4);
    m = (p[j + 4] >> 4) | ((p[j] >> 6) << 4);
  }
}

// The inverses, for quantizers: OR scale i (-32..31) of Q3_K, or the scale and min of
// sub-block j of Q4_K / Q5_K, into zeroed packed bytes.
inline void pack_q3k_scale(uint8_t* p, int i, int scale) {
  const int biased = scale + 32;
  if (i < 8)
    p[i] = static_cast<uint8_t>(p[i] | (biased & 0x0f));
  else
    p[i - 8] = static_cast<uint8_t>(p[i - 8] | ((biased & 0x0f) << 4));
  p[8 + i % 4] = static_cast<uint8_t>(p[8 + i % 4] | ((biased >> 4) << (2 * (i / 4))));
}

inline void pack_q4k_scale_min(uint8_t* p, int j, int sc, int m) {
  if (j < 4) {
    p[j] = static_cast<uint8_t>(p[j] | sc);
    p[j + 4] = static_cast<uint8_t>(p[j + 4] | m);
  } else {
    p[j + 4] = static_cast<uint8_t>((sc & 0x0f) | ((m & 0x0f) << 4));
    p[j - 4] = static_cast<uint8_t>(p[j - 4] | ((sc >> 4) << 6));
    p[j] = static_cast<uint8_t>(p[j] | ((m >> 4) << 6));
  }
}

static_assert(sizeof(BlockQ4_0) == 18 && alignof(BlockQ4_0) == 2);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22 && offsetof(BlockQ5_0, qs) == 6);
static_assert(sizeof(BlockQ5_1) == 24 && offsetof(BlockQ5_1, qs) == 8);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84 && offsetof(BlockQ2_K, d) == 80);
static_assert(sizeof(BlockQ3_K) == 110 && offsetof(BlockQ3_K, d) == 108);
static_assert(sizeof(BlockQ4_K) == 144 && offsetof(BlockQ4_K, qs) == 16);
static_assert(sizeof(BlockQ5_K) == 176 && offsetof(BlockQ5_K, qh) == 16 &&
              offsetof(BlockQ5_K, qs) == 48);
static_assert(sizeof(BlockIQ4_NL) == 18 && alignof(BlockIQ4_NL) == 2);
static_assert(sizeof(BlockIQ4_XS) == 136 && offsetof(BlockIQ4_XS, scales_l) == 4 &&
              offsetof(BlockIQ4_XS, qs) == 8);
static_assert(sizeof(BlockQ6_K) == 210 && offsetof(BlockQ6_K, scales) == 192 &&
              offsetof(BlockQ6_K, d) == 208);

}  // namespace yak::kernels::ref
