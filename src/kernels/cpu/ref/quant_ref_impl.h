// Internal to the reference kernels: one dequantizer and one quantizer per
// type, each working on whole blocks, and helpers they share. quant_ref.cpp
// dispatches on DType to these.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/error.h"
#include "core/half.h"

namespace yak::kernels::ref::detail {

using DequantizeFn = void (*)(const uint8_t* src, float* dst, int64_t blocks);
using QuantizeFn = void (*)(const float* src, uint8_t* dst, int64_t blocks);

// quant_ref_plain.cpp (a "block" is one value)
void dequantize_f32(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_f16(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_bf16(const uint8_t* src, float* dst, int64_t blocks);
void quantize_f32(const float* src, uint8_t* dst, int64_t blocks);
void quantize_f16(const float* src, uint8_t* dst, int64_t blocks);
void quantize_bf16(const float* src, uint8_t* dst, int64_t blocks);

// quant_ref_legacy.cpp
void dequantize_q4_0(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q4_1(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q5_0(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q5_1(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q8_0(const uint8_t* src, float* dst, int64_t blocks);
void quantize_q4_0(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q4_1(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q5_0(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q5_1(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q8_0(const float* src, uint8_t* dst, int64_t blocks);

// quant_ref_k.cpp
void dequantize_q2_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q3_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q4_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q5_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q6_k(const uint8_t* src, float* dst, int64_t blocks);
void quantize_q2_k(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q3_k(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q4_k(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q5_k(const float* src, uint8_t* dst, int64_t blocks);
void quantize_q6_k(const float* src, uint8_t* dst, int64_t blocks);

// quant_ref_iq4.cpp
void dequantize_iq4_nl(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_iq4_xs(const uint8_t* src, float* dst, int64_t blocks);
void quantize_iq4_nl(const float* src, uint8_t* dst, int64_t blocks);
void quantize_iq4_xs(const float* src, uint8_t* dst, int64_t blocks);

// quantize_row refuses NaN and infinity for the integer-coded types (checked
// once per row, before their quantizers run): no code can represent them, and
// converting them to integers would be undefined behaviour.
inline void require_finite(std::string_view type, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      fail("quantize {}: value {} at index {} is not finite", type, x[i], i);
}

// fp16 bits of a block scale; a scale that only overflows fp16 would turn the
// whole block into inf/NaN on the way back, so it is refused.
inline uint16_t scale_to_half(std::string_view type, float scale) {
  const uint16_t h = float_to_half(scale);
  if ((h & 0x7c00u) == 0x7c00u)
    fail("quantize {}: block scale {} is too large for fp16 (values too large)", type, scale);
  return h;
}

// (int)trunc(v) clamped to [lo, hi], without undefined behaviour for any v.
inline int trunc_clamp(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;  // also catches NaN
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

// Nearest integer (half away from zero) clamped to [lo, hi], defined for any v.
inline int round_clamp(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(std::round(v));
}

template <typename Block>
Block load_block(const uint8_t* src, int64_t index) {
  Block b;
  std::memcpy(&b, src + index * static_cast<int64_t>(sizeof(Block)), sizeof(Block));
  return b;
}

template <typename Block>
void store_block(uint8_t* dst, int64_t index, const Block& b) {
  std::memcpy(dst + index * static_cast<int64_t>(sizeof(Block)), &b, sizeof(Block));
}

}  // namespace yak::kernels::ref::detail
