// K-quants: super-blocks of 256 values whose sub-block scales are themselves
// quantized against fp16 super-block scales.
//
// The dequantizers follow ggml's dequantize_row_*_K, with the float operations
// in the same order, so that they are bit-exact with ggml and gguf-py.
//
// The quantizers are simpler than llama.cpp's (which search for the scales that
// minimize a weighted error): each sub-block gets a min/max (or signed abs-max)
// scale, the sub-block scales are rounded against the super-block scale, and
// each value is then rounded to the nearest code under its *quantized* scales.
// They produce valid blocks with the usual error of the type, not the same bytes.
#include <array>

#include "kernels/cpu/ref/no_fp_contract.h"  // first: see there
#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/cpu/ref/quant_ref_impl.h"

namespace yak::kernels::ref::detail {
namespace {

int ceil_clamp(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(std::ceil(v));
}

// Codes of one super-block under x ~ d * sc[i] * q - dmin * m[i], q in [0, qmax],
// sc and m in [0, smax], for `nsub` sub-blocks of `sub` values.
struct AsymCodes {
  uint16_t d = 0;
  uint16_t dmin = 0;
  std::array<int, 16> sc{};
  std::array<int, 16> m{};
  std::array<int, kQK_K> q{};
};

AsymCodes quantize_asym(std::string_view type, const float* x, int sub, int qmax, int smax) {
  const int nsub = kQK_K / sub;
  std::array<float, 16> sub_max{};
  std::array<float, 16> neg_min{};
  float max_scale = 0.0f;
  float max_neg_min = 0.0f;
  for (int i = 0; i < nsub; ++i) {
    // The offset can only be subtracted (mins are unsigned), so it is 0 for a
    // sub-block that has no negative values.
    float mn = 0.0f;
    float mx = x[i * sub];
    for (int l = 0; l < sub; ++l) {
      mn = std::min(mn, x[i * sub + l]);
      mx = std::max(mx, x[i * sub + l]);
    }
    sub_max[i] = mx;
    neg_min[i] = -mn;
    max_scale = std::max(max_scale, (mx - mn) / static_cast<float>(qmax));
    max_neg_min = std::max(max_neg_min, -mn);
  }
  AsymCodes c;
  c.d = scale_to_half(type, max_scale / static_cast<float>(smax));
  c.dmin = scale_to_half(type, max_neg_min / static_cast<float>(smax));
  const float d = half_to_float(c.d);
  const float dmin = half_to_float(c.dmin);
  for (int i = 0; i < nsub; ++i) {
    c.m[i] = dmin > 0.0f ? round_clamp(neg_min[i] / dmin, 0, smax) : 0;
    const float offset = dmin * static_cast<float>(c.m[i]);
    // The smallest scale whose top code still reaches the sub-block's maximum
    // from the offset actually stored, so that the top end does not clip.
    const float needed = (sub_max[i] + offset) / static_cast<float>(qmax);
    c.sc[i] = d > 0.0f ? ceil_clamp(needed / d, 0, smax) : 0;
    const float step = d * static_cast<float>(c.sc[i]);
    for (int l = 0; l < sub; ++l) {
      const int k = i * sub + l;
      c.q[k] = step > 0.0f ? round_clamp((x[k] + offset) / step, 0, qmax) : 0;
    }
  }
  return c;
}

// Codes of one super-block under x ~ d * sc[i] * q with q in [qlo, -qlo - 1] and
// sc in [slo, -slo - 1]. As in ggml, the value of largest magnitude of a sub-block
// maps to qlo and the sub-block scale of largest magnitude to slo, which uses
// the extra negative code of the two's-complement-like ranges.
struct SymCodes {
  uint16_t d = 0;
  std::array<int, 16> sc{};
  std::array<int, kQK_K> q{};
};

SymCodes quantize_sym(std::string_view type, const float* x, int qlo, int slo) {
  constexpr int kSub = 16;
  constexpr int kNsub = kQK_K / kSub;
  std::array<float, kNsub> scale{};
  float amax_scale = 0.0f;
  float max_scale = 0.0f;
  for (int i = 0; i < kNsub; ++i) {
    float amax = 0.0f;
    float mx = 0.0f;
    for (int l = 0; l < kSub; ++l) {
      const float v = x[i * kSub + l];
      if (amax < std::fabs(v)) {
        amax = std::fabs(v);
        mx = v;
      }
    }
    scale[i] = mx / static_cast<float>(qlo);
    if (amax_scale < std::fabs(scale[i])) {
      amax_scale = std::fabs(scale[i]);
      max_scale = scale[i];
    }
  }
  SymCodes c;
  c.d = scale_to_half(type, max_scale / static_cast<float>(slo));
  const float d = half_to_float(c.d);
  for (int i = 0; i < kNsub; ++i) {
    c.sc[i] = d != 0.0f ? round_clamp(scale[i] / d, slo, -slo - 1) : 0;
    const float step = d * static_cast<float>(c.sc[i]);
    for (int l = 0; l < kSub; ++l) {
      const int k = i * kSub + l;
      c.q[k] = step != 0.0f ? round_clamp(x[k] / step, qlo, -qlo - 1) : 0;
    }
  }
  return c;
}

}  // namespace

void dequantize_q2_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ2_K>(src, b);
    const float d = half_to_float(blk.d);
    const float dmin = half_to_float(blk.dmin);
    float* y = dst + b * kQK_K;
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) {
          const uint8_t sm = blk.scales[h * 8 + s * 2 + l / 16];
          const float dl = d * static_cast<float>(sm & 0x0f);
          const float ml = dmin * static_cast<float>(sm >> 4);
          const int q = (blk.qs[h * 32 + l] >> (2 * s)) & 3;
          y[h * 128 + s * 32 + l] = dl * static_cast<float>(q) - ml;
        }
      }
    }
  }
}

void dequantize_q3_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ3_K>(src, b);
    const float d = half_to_float(blk.d);
    float* y = dst + b * kQK_K;
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) {
          const int scale = unpack_q3k_scale(blk.scales, h * 8 + s * 2 + l / 16);
          const float dl = d * static_cast<float>(scale);
          const int low = (blk.qs[h * 32 + l] >> (2 * s)) & 3;
          const bool high = (blk.hmask[l] >> (h * 4 + s)) & 1;
          y[h * 128 + s * 32 + l] = dl * static_cast<float>(low - (high ? 0 : 4));
        }
      }
    }
  }
}

void dequantize_q4_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ4_K>(src, b);
    const float d = half_to_float(blk.d);
    const float dmin = half_to_float(blk.dmin);
    float* y = dst + b * kQK_K;
    for (int c = 0; c < 8; ++c) {
      int sc, m;
      unpack_q4k_scale_min(blk.scales, c, sc, m);
      const float dl = d * static_cast<float>(sc);
      const float ml = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) {
        const uint8_t byte = blk.qs[(c / 2) * 32 + l];
        const int q = (c % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
        y[c * 32 + l] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

void dequantize_q5_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ5_K>(src, b);
    const float d = half_to_float(blk.d);
    const float dmin = half_to_float(blk.dmin);
    float* y = dst + b * kQK_K;
    for (int c = 0; c < 8; ++c) {
      int sc, m;
      unpack_q4k_scale_min(blk.scales, c, sc, m);
      const float dl = d * static_cast<float>(sc);
      const float ml = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) {
        const uint8_t byte = blk.qs[(c / 2) * 32 + l];
        const int low = (c % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
        const int q = low | (((blk.qh[l] >> c) & 1) << 4);
        y[c * 32 + l] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

void dequantize_q6_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const auto blk = load_block<BlockQ6_K>(src, b);
    const float d = half_to_float(blk.d);
    float* y = dst + b * kQK_K;
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) {
          const uint8_t byte = blk.ql[h * 64 + (s & 1) * 32 + l];
          const int low = s < 2 ? (byte & 0x0f) : (byte >> 4);
          const int high = (blk.qh[h * 32 + l] >> (2 * s)) & 3;
          const float dl = d * static_cast<float>(blk.scales[h * 8 + s * 2 + l / 16]);
          y[h * 128 + s * 32 + l] = dl * static_cast<float>((low | (high << 4)) - 32);
        }
      }
    }
  }
}

void quantize_q2_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK_K;
    const AsymCodes c = quantize_asym("Q2_K", x, 16, 3, 15);
    BlockQ2_K blk{};
    blk.d = c.d;
    blk.dmin = c.dmin;
    for (int i = 0; i < 16; ++i) blk.scales[i] = static_cast<uint8_t>(c.sc[i] | (c.m[i] << 4));
    for (int h = 0; h < 2; ++h)
      for (int s = 0; s < 4; ++s)
        for (int l = 0; l < 32; ++l)
          blk.qs[h * 32 + l] |= static_cast<uint8_t>(c.q[h * 128 + s * 32 + l] << (2 * s));
    store_block(dst, b, blk);
  }
}

void quantize_q3_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK_K;
    const SymCodes c = quantize_sym("Q3_K", x, -4, -32);
    BlockQ3_K blk{};
    blk.d = c.d;
    for (int i = 0; i < 16; ++i) pack_q3k_scale(blk.scales, i, c.sc[i]);
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) {
          const int biased = c.q[h * 128 + s * 32 + l] + 4;  // 0..7
          blk.qs[h * 32 + l] |= static_cast<uint8_t>((biased & 3) << (2 * s));
          blk.hmask[l] |= static_cast<uint8_t>((biased >> 2) << (h * 4 + s));
        }
      }
    }
    store_block(dst, b, blk);
  }
}

void quantize_q4_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK_K;
    const AsymCodes c = quantize_asym("Q4_K", x, 32, 15, 63);
    BlockQ4_K blk{};
    blk.d = c.d;
    blk.dmin = c.dmin;
    for (int j = 0; j < 8; ++j) pack_q4k_scale_min(blk.scales, j, c.sc[j], c.m[j]);
    for (int k = 0; k < kQK_K; ++k) {
      const int chunk = k / 32;
      const int shift = (chunk % 2) * 4;
      blk.qs[(chunk / 2) * 32 + k % 32] |= static_cast<uint8_t>(c.q[k] << shift);
    }
    store_block(dst, b, blk);
  }
}

void quantize_q5_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK_K;
    const AsymCodes c = quantize_asym("Q5_K", x, 32, 31, 63);
    BlockQ5_K blk{};
    blk.d = c.d;
    blk.dmin = c.dmin;
    for (int j = 0; j < 8; ++j) pack_q4k_scale_min(blk.scales, j, c.sc[j], c.m[j]);
    for (int k = 0; k < kQK_K; ++k) {
      const int chunk = k / 32;
      const int shift = (chunk % 2) * 4;
      blk.qs[(chunk / 2) * 32 + k % 32] |= static_cast<uint8_t>((c.q[k] & 0x0f) << shift);
      blk.qh[k % 32] |= static_cast<uint8_t>((c.q[k] >> 4) << chunk);
    }
    store_block(dst, b, blk);
  }
}

void quantize_q6_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* x = src + b * kQK_K;
    const SymCodes c = quantize_sym("Q6_K", x, -32, -128);
    BlockQ6_K blk{};
    blk.d = c.d;
    for (int i = 0; i < 16; ++i) blk.scales[i] = static_cast<int8_t>(c.sc[i]);
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) {
          const int biased = c.q[h * 128 + s * 32 + l] + 32;  // 0..63
          const int shift = s < 2 ? 0 : 4;
          blk.ql[h * 64 + (s & 1) * 32 + l] |= static_cast<uint8_t>((biased & 0x0f) << shift);
          blk.qh[h * 32 + l] |= static_cast<uint8_t>((biased >> 4) << (2 * s));
        }
      }
    }
    store_block(dst, b, blk);
  }
}

}  // namespace yak::kernels::ref::detail
