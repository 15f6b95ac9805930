// The search, per 32 values: for each of a range of starting scales that put the value of
// largest magnitude at or near either end of the levels (-127 or 113), every value takes its
// nearest level and the least-squares scale for those levels is solved; the best is refined
// by rounding again under it. IQ4_NL stores that scale as fp16. IQ4_XS encodes its eight
// sub-block scales as 6-bit integers times an fp16 super-block scale, chosen among a few
// candidates by the error they actually give, and moves each integer scale by one step where
// that lowers its sub-block's error. Codes are always rounded under the scales as stored, so
// the error minimised is the error of the file.
#include "derive/iq4_quantizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/error.h"
#include "core/half.h"
#include "kernels/cpu/ref/quant_blocks.h"

namespace yak::derive {
namespace {

namespace blocks = kernels::ref;
constexpr int kGroup = 32;  // values per IQ4_NL block and per IQ4_XS sub-block
constexpr int kSubBlocks = blocks::kQK_K / kGroup;

float level(int code) { return static_cast<float>(blocks::kIQ4NLValues[code]); }

// A scale as the file stores it (fp16), refusing one that fp16 cannot hold.
float stored_scale(std::string_view type, float scale, uint16_t* bits) {
  const uint16_t h = float_to_half(scale);
  if ((h & 0x7c00u) == 0x7c00u)
    fail("quantize {}: block scale {} is too large for fp16 (values too large)", type, scale);
  if (bits != nullptr) *bits = h;
  return half_to_float(h);
}

// sum_i w_i (x_i - step * level(nearest code of x_i / step))^2 over one group.
double group_error(const float* x, const float* w, float step) {
  double e = 0;
  const float inv = step != 0.0f ? 1.0f / step : 0.0f;
  for (int i = 0; i < kGroup; ++i) {
    const float decoded = step * level(blocks::nearest_iq4nl_code(x[i] * inv));
    const double d = static_cast<double>(x[i]) - decoded;
    e += w[i] * d * d;
  }
  return e;
}

struct GroupFit {
  float scale = 0.0f;
  // sum_i w_i level_i^2 of the levels `scale` was solved for: how much the scale matters.
  double level_weight = 0.0;
};

// The least-squares scale of the levels that x takes under `step`, and the error it saves
// (sum w q x)^2 / sum w q^2; false when the levels do not determine a scale.
bool solve(const float* x, const float* w, float step, float& scale, double& gain,
           double& level_weight) {
  const float inv = 1.0f / step;
  double sqx = 0, sqq = 0;
  for (int i = 0; i < kGroup; ++i) {
    const double q = level(blocks::nearest_iq4nl_code(x[i] * inv));
    sqx += w[i] * q * x[i];
    sqq += w[i] * q * q;
  }
  if (!(sqq > 0.0)) return false;
  scale = static_cast<float>(sqx / sqq);
  gain = sqx * sqx / sqq;
  level_weight = sqq;
  return scale != 0.0f && std::isfinite(scale);
}

GroupFit fit_group(const float* x, const float* w) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < kGroup; ++i) {
    if (amax < std::fabs(x[i])) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  GroupFit best;
  if (amax == 0.0f) return best;
  double best_gain = 0.0;
  // One rounding and solve per start; `rounds` more for the best. Rounding under the solved
  // scale can only lower the error for that scale, so each accepted gain is a true one.
  auto try_start = [&](float step, int rounds) {
    for (int round = 0; round < rounds && step != 0.0f; ++round) {
      float scale;
      double gain, level_weight;
      if (!solve(x, w, step, scale, gain, level_weight) || !(gain > best_gain)) return;
      best_gain = gain;
      best = {scale, level_weight};
      step = scale;
    }
  };
  for (int t = -8; t <= 8; ++t) {
    try_start(max / (level(0) + static_cast<float>(t)), 1);
    try_start(max / (level(15) + static_cast<float>(t)), 1);
  }
  try_start(best.scale, 2);
  return best;
}

// Codes of one group under `step`, packed as a Q4_0 block's nibbles.
void pack_group(const float* x, float step, uint8_t* qs) {
  const float inv = step != 0.0f ? 1.0f / step : 0.0f;
  for (int j = 0; j < kGroup / 2; ++j) {
    const int q0 = blocks::nearest_iq4nl_code(x[j] * inv);
    const int q1 = blocks::nearest_iq4nl_code(x[j + kGroup / 2] * inv);
    qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

void encode_nl(const float* x, const float* w, uint8_t* dst) {
  const GroupFit fit = fit_group(x, w);
  blocks::BlockIQ4_NL blk{};
  float d = stored_scale("IQ4_NL", fit.scale, &blk.d);
  // Once more for the levels under the scale as stored, kept only if it helps.
  float refit;
  double gain, level_weight;
  if (d != 0.0f && solve(x, w, d, refit, gain, level_weight)) {
    uint16_t bits;
    const float d2 = stored_scale("IQ4_NL", refit, &bits);
    if (group_error(x, w, d2) < group_error(x, w, d)) {
      d = d2;
      blk.d = bits;
    }
  }
  pack_group(x, d, blk.qs);
  std::memcpy(dst, &blk, sizeof blk);
}

// The super-block scale d for which the integers nearest s_j / d best give the s_j,
// weighted by how much each sub-block's scale matters, from a starting d.
float refine_super_scale(const std::array<GroupFit, kSubBlocks>& fits, float d) {
  for (int round = 0; round < 3 && d != 0.0f; ++round) {
    double num = 0, den = 0;
    for (const GroupFit& f : fits) {
      const int k = std::clamp(static_cast<int>(std::lround(f.scale / d)), -32, 31);
      num += f.level_weight * f.scale * k;
      den += f.level_weight * static_cast<double>(k) * k;
    }
    if (!(den > 0.0)) break;
    d = static_cast<float>(num / den);
  }
  return d;
}

int nearest_sub_scale(float s, float d) {
  const float v = s / d;
  if (!(v > -32.0f)) return -32;
  if (v >= 31.0f) return 31;
  return static_cast<int>(std::floor(v + 0.5f));
}

void encode_xs(const float* x, const float* w, uint8_t* dst) {
  std::array<GroupFit, kSubBlocks> fits;
  float big = 0.0f;  // the sub-block scale of largest magnitude, with its sign
  for (int j = 0; j < kSubBlocks; ++j) {
    fits[j] = fit_group(x + j * kGroup, w + j * kGroup);
    if (std::fabs(fits[j].scale) > std::fabs(big)) big = fits[j].scale;
  }
  blocks::BlockIQ4_XS blk{};
  auto sub_error = [&](int j, float step) {
    return group_error(x + j * kGroup, w + j * kGroup, step);
  };
  if (big != 0.0f) {
    // The largest scale maps to either end of the signed 6-bit range (the negative end has
    // one more code).
    const float d_neg = big / -32.0f, d_pos = big / 31.0f;
    const float candidates[] = {d_neg, d_pos, refine_super_scale(fits, d_neg),
                                refine_super_scale(fits, d_pos)};
    double best_e = std::numeric_limits<double>::infinity();
    float best_d = d_neg;
    for (float dc : candidates) {
      const float d = stored_scale("IQ4_XS", dc, nullptr);
      if (d == 0.0f) continue;
      double e = 0;
      for (int j = 0; j < kSubBlocks; ++j)
        e += sub_error(j, d * static_cast<float>(nearest_sub_scale(fits[j].scale, d)));
      if (e < best_e) {
        best_e = e;
        best_d = dc;
      }
    }
    const float d = stored_scale("IQ4_XS", best_d, &blk.d);
    for (int j = 0; j < kSubBlocks; ++j) {
      int ls = 0;
      if (d != 0.0f) {
        const int ls0 = nearest_sub_scale(fits[j].scale, d);
        double e_best = std::numeric_limits<double>::infinity();
        for (int step = -1; step <= 1; ++step) {
          const int candidate = std::clamp(ls0 + step, -32, 31);
          const double e = sub_error(j, d * static_cast<float>(candidate));
          if (e < e_best) {
            e_best = e;
            ls = candidate;
          }
        }
      }
      blocks::pack_iq4xs_scale(blk, j, ls);
      pack_group(x + j * kGroup, d * static_cast<float>(ls), blk.qs + j * (kGroup / 2));
    }
  } else {
    for (int j = 0; j < kSubBlocks; ++j) {
      blocks::pack_iq4xs_scale(blk, j, 0);
      pack_group(x + j * kGroup, 0.0f, blk.qs + j * (kGroup / 2));
    }
  }
  std::memcpy(dst, &blk, sizeof blk);
}

}  // namespace

bool is_iq4_type(DType type) { return type == DType::IQ4_NL || type == DType::IQ4_XS; }

void encode_iq4_block(DType type, const float* x, const float* w, uint8_t* dst) {
  if (!is_iq4_type(type)) fail("internal error: {} is not an IQ4 type", dtype_name(type));
  const int n = static_cast<int>(traits(type).block_size);
  std::array<float, blocks::kQK_K> own;
  if (w == nullptr) {
    // sqrt(sigma2 + x^2), sigma2 twice the block's mean square (see the header), in units of
    // the largest |x| (the search does not depend on a common factor, and huge values would
    // overflow the squares).
    double amax = 0;
    for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
    const double unit = amax > 0 ? 1.0 / amax : 0.0;
    double sum_sq = 0;
    for (int i = 0; i < n; ++i) sum_sq += (x[i] * unit) * (x[i] * unit);
    const double sigma2 = 2.0 * sum_sq / n;
    for (int i = 0; i < n; ++i)
      own[i] = static_cast<float>(std::sqrt(sigma2 + (x[i] * unit) * (x[i] * unit)));
    w = own.data();
  }
  if (type == DType::IQ4_NL)
    encode_nl(x, w, dst);
  else
    encode_xs(x, w, dst);
}

}  // namespace yak::derive
