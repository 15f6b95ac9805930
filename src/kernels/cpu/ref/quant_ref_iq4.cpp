// The non-linear 4-bit types: IQ4_NL (blocks of 32 with an fp16 scale) and IQ4_XS
// (super-blocks of 256: an fp16 scale and eight 6-bit sub-block scales). A code is an
// index into the 16 levels kIQ4NLValues, not a number on an even grid.
//
// The dequantizers follow ggml's dequantize_row_iq4_nl / _iq4_xs, with the float
// operations in the same order (d * scale first, then times the level), so that they are
// bit-exact with ggml and gguf-py.
//
// The quantizers are simple, as those of the K types here: the value of largest magnitude
// of a block maps to the level -127 (the end with the larger magnitude), IQ4_XS's sub-block
// scales are rounded against the super-block scale the same way, and each value then takes
// the level nearest it under the scales as stored. They produce valid blocks with the usual
// error of the type; `yak quantize` searches for better scales (derive/iq4_quantizer.cpp).
#include "kernels/cpu/ref/no_fp_contract.h"  // first: see there
#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/cpu/ref/quant_ref_impl.h"

namespace yak::kernels::ref::detail {
namespace {

// The value of largest magnitude of n, keeping its sign; the first one wins a tie.
float signed_abs_max(const float* x, int n) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Codes of 32 values under the step d, packed as a Q4_0 block's nibbles.
void encode_nibbles(const float* x, float d, uint8_t* qs) {
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK / 2; ++j) {
    const int q0 = nearest_iq4nl_code(x[j] * id);
    const int q1 = nearest_iq4nl_code(x[j + kQK / 2] * id);
    qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

void decode_nibbles(const uint8_t* qs, float dl, float* y) {
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = dl * static_cast<float>(kIQ4NLValues[qs[j] & 0x0f]);
    y[j + kQK / 2] = dl * static_cast<float>(kIQ4NLValues[qs[j] >> 4]);
  }
}

}  // namespace

void dequantize_iq4_nl(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockIQ4_NL>(src, b);
    decode_nibbles(blk.qs, half_to_float(blk.d), dst + b * kQK);
  }
}

void dequantize_iq4_xs(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockIQ4_XS>(src, b);
    const float d = half_to_float(blk.d);
    for (int i = 0; i < kQK_K / kQK; ++i) {
      const float dl = d * static_cast<float>(unpack_iq4xs_scale(blk, i));
      decode_nibbles(blk.qs + i * (kQK / 2), dl, dst + b * kQK_K + i * kQK);
    }
  }
}

void quantize_iq4_nl(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK;
    BlockIQ4_NL blk{};
    blk.d = scale_to_half("IQ4_NL", signed_abs_max(x, kQK) / kIQ4NLValues[0]);
    encode_nibbles(x, half_to_float(blk.d), blk.qs);
    store_block(dst, b, blk);
  }
}

void quantize_iq4_xs(const float* src, uint8_t* dst, int64_t blocks) {
  constexpr int kSub = kQK_K / kQK;
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK_K;
    float scale[kSub];
    float amax_scale = 0.0f;
    float max_scale = 0.0f;
    for (int i = 0; i < kSub; ++i) {
      scale[i] = signed_abs_max(x + i * kQK, kQK) / kIQ4NLValues[0];
      if (amax_scale < std::fabs(scale[i])) {
        amax_scale = std::fabs(scale[i]);
        max_scale = scale[i];
      }
    }
    BlockIQ4_XS blk{};
    // The sub-block scale of largest magnitude maps to -32, the end of the signed range
    // with one more code.
    blk.d = scale_to_half("IQ4_XS", max_scale / -32);
    const float d = half_to_float(blk.d);
    for (int i = 0; i < kSub; ++i) {
      const int ls = d != 0.0f ? round_clamp(scale[i] / d, -32, 31) : 0;
      pack_iq4xs_scale(blk, i, ls);
      encode_nibbles(x + i * kQK, d * static_cast<float>(ls), blk.qs + i * (kQK / 2));
    }
    store_block(dst, b, blk);
  }
}

}  // namespace yak::kernels::ref::detail
