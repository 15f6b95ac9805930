// Legacy 32-value block types. The quantizers are ggml's reference quantizers
// (max-abs or min/max scale, then round to nearest): the bytes they produce
// equal those of ggml's quantize_row_*_ref and of gguf-py's quantize, which the
// golden tests check. The float operations are written in the same order as
// there, since a different order would change the last bit of some scales.
#include "kernels/cpu/ref/no_fp_contract.h"  // first: see there

#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/cpu/ref/quant_ref_impl.h"

namespace yak::kernels::ref::detail {
namespace {

// The value of largest magnitude, keeping its sign; the first one wins a tie.
float signed_abs_max(const float* x) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kQK; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, float& min, float& max) {
  min = x[0];
  max = x[0];
  for (int j = 1; j < kQK; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
}

uint32_t load_qh(const uint8_t (&qh)[4]) {
  uint32_t v;
  std::memcpy(&v, qh, sizeof v);
  return v;
}

}  // namespace

void dequantize_q4_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ4_0>(src, b);
    const float d = half_to_float(blk.d);
    float* y = dst + b * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>((blk.qs[j] & 0x0f) - 8);
      y[j + kQK / 2] = d * static_cast<float>((blk.qs[j] >> 4) - 8);
    }
  }
}

void dequantize_q4_1(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ4_1>(src, b);
    const float d = half_to_float(blk.d);
    const float m = half_to_float(blk.m);
    float* y = dst + b * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>(blk.qs[j] & 0x0f) + m;
      y[j + kQK / 2] = d * static_cast<float>(blk.qs[j] >> 4) + m;
    }
  }
}

void dequantize_q5_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ5_0>(src, b);
    const float d = half_to_float(blk.d);
    const uint32_t qh = load_qh(blk.qh);
    float* y = dst + b * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      const int hi0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int hi1 = static_cast<int>((qh >> (j + kQK / 2)) & 1u) << 4;
      y[j] = d * static_cast<float>(((blk.qs[j] & 0x0f) | hi0) - 16);
      y[j + kQK / 2] = d * static_cast<float>(((blk.qs[j] >> 4) | hi1) - 16);
    }
  }
}

void dequantize_q5_1(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ5_1>(src, b);
    const float d = half_to_float(blk.d);
    const float m = half_to_float(blk.m);
    const uint32_t qh = load_qh(blk.qh);
    float* y = dst + b * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      const int hi0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int hi1 = static_cast<int>((qh >> (j + kQK / 2)) & 1u) << 4;
      y[j] = d * static_cast<float>((blk.qs[j] & 0x0f) | hi0) + m;
      y[j + kQK / 2] = d * static_cast<float>((blk.qs[j] >> 4) | hi1) + m;
    }
  }
}

void dequantize_q8_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ8_0>(src, b);
    const float d = half_to_float(blk.d);
    float* y = dst + b * kQK;
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(blk.qs[j]) * d;
  }
}

// The value of largest magnitude maps to q = 0 (i.e. -8 * d); d is negated so
// that the other end of the range, +7, is the one that clips.
void quantize_q4_0(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK;
    const float d = signed_abs_max(x) / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_0 blk{};
    blk.d = scale_to_half("Q4_0", d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = trunc_clamp(x[j] * id + 8.5f, 0, 15);
      const int q1 = trunc_clamp(x[j + kQK / 2] * id + 8.5f, 0, 15);
      blk.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    store_block(dst, b, blk);
  }
}

void quantize_q4_1(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK;
    float min, max;
    min_max(x, min, max);
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_1 blk{};
    blk.d = scale_to_half("Q4_1", d);
    blk.m = scale_to_half("Q4_1", min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = trunc_clamp((x[j] - min) * id + 0.5f, 0, 15);
      const int q1 = trunc_clamp((x[j + kQK / 2] - min) * id + 0.5f, 0, 15);
      blk.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    store_block(dst, b, blk);
  }
}

void quantize_q5_0(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK;
    const float d = signed_abs_max(x) / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ5_0 blk{};
    blk.d = scale_to_half("Q5_0", d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = trunc_clamp(x[j] * id + 16.5f, 0, 31);
      const int q1 = trunc_clamp(x[j + kQK / 2] * id + 16.5f, 0, 31);
      blk.qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>(q0 >> 4) << j;
      qh |= static_cast<uint32_t>(q1 >> 4) << (j + kQK / 2);
    }
    std::memcpy(blk.qh, &qh, sizeof qh);
    store_block(dst, b, blk);
  }
}

void quantize_q5_1(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK;
    float min, max;
    min_max(x, min, max);
    const float d = (max - min) / 31;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ5_1 blk{};
    blk.d = scale_to_half("Q5_1", d);
    blk.m = scale_to_half("Q5_1", min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = trunc_clamp((x[j] - min) * id + 0.5f, 0, 31);
      const int q1 = trunc_clamp((x[j + kQK / 2] - min) * id + 0.5f, 0, 31);
      blk.qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>(q0 >> 4) << j;
      qh |= static_cast<uint32_t>(q1 >> 4) << (j + kQK / 2);
    }
    std::memcpy(blk.qh, &qh, sizeof qh);
    store_block(dst, b, blk);
  }
}

void quantize_q8_0(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK;
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ8_0 blk{};
    blk.d = scale_to_half("Q8_0", d);
    for (int j = 0; j < kQK; ++j)
      blk.qs[j] = static_cast<int8_t>(round_clamp(x[j] * id, -128, 127));
    store_block(dst, b, blk);
  }
}

}  // namespace yak::kernels::ref::detail
