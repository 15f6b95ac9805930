// The search: each sub-block's scale (and offset) is fitted by trying a range of initial
// scales, rounding, and solving the least-squares problem for the codes found; the
// super-block scales that encode those sub-block scales are then chosen among a few
// candidates by the error they actually give, and each sub-block's integer scale is moved by
// one step where that lowers its error. Codes are always rounded under the scales as stored,
// so the error minimised is the error of the file.
#include "derive/k_quantizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "derive/iq4_quantizer.h"
#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/cpu/ref/quant_ref.h"

namespace yak::derive {
namespace {

namespace blocks = kernels::ref;
constexpr int kQK_K = 256;

float weight_at(const float* w, int i) { return w != nullptr ? w[i] : 1.0f; }

// The nearest integer to v clamped to [lo, hi] (ties upwards: the search does not depend on
// which of two equally near codes is taken).
int nearest(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(std::floor(v + 0.5f));
}

// A scale as the file stores it (fp16), refusing one that fp16 cannot hold.
float stored_scale(std::string_view type, float scale, uint16_t* bits) {
  const uint16_t h = float_to_half(scale);
  if ((h & 0x7c00u) == 0x7c00u)
    fail("quantize {}: block scale {} is too large for fp16 (values too large)", type, scale);
  if (bits != nullptr) *bits = h;
  return half_to_float(h);
}

// ---- asymmetric: x ~ s * q - o, q in [0, qmax], s >= 0, o >= 0 (Q2_K, Q4_K, Q5_K) ----

struct AsymFit {
  float s = 0.0f;
  float o = 0.0f;
};

double asym_error(const float* x, const float* w, int n, float s, float o, int qmax) {
  const float inv = s > 0.0f ? 1.0f / s : 0.0f;
  float e = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int q = nearest((x[i] + o) * inv, 0, qmax);
    const float d = s * static_cast<float>(q) - o - x[i];
    e += weight_at(w, i) * d * d;
  }
  return e;
}

// Least squares for (s, o) given codes q; false when the codes do not determine them.
bool solve_asym(const float* x, const float* w, const int* q, int n, AsymFit& fit) {
  double sw = 0, sq = 0, sqq = 0, sx = 0, sqx = 0;
  for (int i = 0; i < n; ++i) {
    const double wi = weight_at(w, i);
    sw += wi;
    sq += wi * q[i];
    sqq += wi * q[i] * q[i];
    sx += wi * x[i];
    sqx += wi * q[i] * x[i];
  }
  const double det = sw * sqq - sq * sq;
  if (!(det > 0.0)) return false;
  double s = (sw * sqx - sq * sx) / det;
  double b = (sqq * sx - sq * sqx) / det;  // x ~ s * q + b
  if (b > 0.0) {                           // the offset can only be subtracted
    b = 0.0;
    s = sqq > 0.0 ? sqx / sqq : 0.0;
  }
  if (!(s > 0.0)) return false;
  fit = {static_cast<float>(s), static_cast<float>(-b)};
  return true;
}

AsymFit fit_asym(const float* x, const float* w, int n, int qmax) {
  float mn = 0.0f;
  float mx = x[0];
  for (int i = 0; i < n; ++i) {
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  AsymFit best{mx > mn ? (mx - mn) / static_cast<float>(qmax) : 0.0f, -mn};
  if (!(mx > mn)) return best;
  double best_e = asym_error(x, w, n, best.s, best.o, qmax);
  std::array<int, kQK_K> q{};
  // One rounding and least-squares solve per starting scale; `rounds` more for the best.
  auto try_fit = [&](const AsymFit& start, int rounds) {
    AsymFit cur = start;
    for (int round = 0; round < rounds; ++round) {
      const float inv = 1.0f / cur.s;
      for (int i = 0; i < n; ++i) q[i] = nearest((x[i] + cur.o) * inv, 0, qmax);
      AsymFit next;
      if (!solve_asym(x, w, q.data(), n, next)) return;
      const double e = asym_error(x, w, n, next.s, next.o, qmax);
      if (!(e < best_e)) return;
      best_e = e;
      best = cur = next;
    }
  };
  for (int k = -10; k <= 10; k += 2) {
    const float s = (mx - mn) / (static_cast<float>(qmax) + 0.1f * static_cast<float>(k));
    if (s > 0.0f) try_fit({s, -mn}, 1);
  }
  try_fit(best, 2);
  return best;
}

struct AsymCodes {
  uint16_t d = 0;
  uint16_t dmin = 0;
  std::array<int, 16> sc{};
  std::array<int, 16> m{};
  std::array<int, kQK_K> q{};
};

// Least-squares refinement of a super-block scale for integer sub-scales (importance c_j).
float refine_super_scale(const std::vector<float>& values, const std::vector<double>& importance,
                         float d, int lo, int hi) {
  for (int round = 0; round < 3 && d != 0.0f; ++round) {
    double num = 0, den = 0;
    for (size_t j = 0; j < values.size(); ++j) {
      const int k = nearest(values[j] / d, lo, hi);
      num += importance[j] * values[j] * k;
      den += importance[j] * static_cast<double>(k) * k;
    }
    if (!(den > 0.0)) break;
    d = static_cast<float>(num / den);
  }
  return d;
}

AsymCodes encode_asym(std::string_view type, const float* x, const float* w, int sub, int qmax,
                      int smax) {
  const int nsub = kQK_K / sub;
  std::vector<float> s(nsub), o(nsub);
  std::vector<double> importance(nsub);
  float max_s = 0.0f, max_o = 0.0f;
  for (int j = 0; j < nsub; ++j) {
    const AsymFit f = fit_asym(x + j * sub, w ? w + j * sub : nullptr, sub, qmax);
    s[j] = f.s;
    o[j] = f.o;
    double c = 0;
    for (int i = 0; i < sub; ++i) c += weight_at(w, j * sub + i);
    importance[j] = c;
    max_s = std::max(max_s, f.s);
    max_o = std::max(max_o, f.o);
  }
  const float d0 = max_s / static_cast<float>(smax);
  const float m0 = max_o / static_cast<float>(smax);
  const float d_candidates[] = {d0, refine_super_scale(s, importance, d0, 0, smax), d0 * 1.01f};
  const float m_candidates[] = {m0, refine_super_scale(o, importance, m0, 0, smax)};

  auto sub_error = [&](int j, float d, float dmin, int sc, int mq) {
    return asym_error(x + j * sub, w ? w + j * sub : nullptr, sub, d * static_cast<float>(sc),
                      dmin * static_cast<float>(mq), qmax);
  };
  double best_e = std::numeric_limits<double>::infinity();
  float best_d = 0.0f, best_m = 0.0f;
  for (float dc : d_candidates) {
    for (float mc : m_candidates) {
      if (!(dc >= 0.0f) || !(mc >= 0.0f)) continue;
      const float d = stored_scale(type, dc, nullptr);
      const float dmin = stored_scale(type, mc, nullptr);
      double e = 0;
      for (int j = 0; j < nsub; ++j) {
        const int sc = d > 0.0f ? nearest(s[j] / d, 0, smax) : 0;
        const int mq = dmin > 0.0f ? nearest(o[j] / dmin, 0, smax) : 0;
        e += sub_error(j, d, dmin, sc, mq);
      }
      if (e < best_e) {
        best_e = e;
        best_d = dc;
        best_m = mc;
      }
    }
  }
  AsymCodes c;
  const float d = stored_scale(type, best_d, &c.d);
  const float dmin = stored_scale(type, best_m, &c.dmin);
  for (int j = 0; j < nsub; ++j) {
    const int sc0 = d > 0.0f ? nearest(s[j] / d, 0, smax) : 0;
    const int mq0 = dmin > 0.0f ? nearest(o[j] / dmin, 0, smax) : 0;
    double e_best = std::numeric_limits<double>::infinity();
    for (int ds = -1; ds <= 1; ++ds) {
      for (int dm = -1; dm <= 1; ++dm) {
        const int sc = std::clamp(sc0 + ds, 0, smax);
        const int mq = std::clamp(mq0 + dm, 0, smax);
        const double e = sub_error(j, d, dmin, sc, mq);
        if (e < e_best) {
          e_best = e;
          c.sc[j] = sc;
          c.m[j] = mq;
        }
      }
    }
    const float step = d * static_cast<float>(c.sc[j]);
    const float offset = dmin * static_cast<float>(c.m[j]);
    for (int i = 0; i < sub; ++i) {
      const int k = j * sub + i;
      c.q[k] = step > 0.0f ? nearest((x[k] + offset) / step, 0, qmax) : 0;
    }
  }
  return c;
}

// ---- symmetric: x ~ s * q, q in [qlo, qhi] (Q3_K, Q6_K), 16 sub-blocks of 16 ----

double sym_error(const float* x, const float* w, int n, float s, int qlo, int qhi) {
  if (s == 0.0f) {
    float e = 0.0f;
    for (int i = 0; i < n; ++i) e += weight_at(w, i) * x[i] * x[i];
    return e;
  }
  const float inv = 1.0f / s;
  float e = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int q = nearest(x[i] * inv, qlo, qhi);
    const float d = s * static_cast<float>(q) - x[i];
    e += weight_at(w, i) * d * d;
  }
  return e;
}

float fit_sym(const float* x, const float* w, int n, int qlo, int qhi) {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  if (amax == 0.0f) return 0.0f;
  float best = amax / static_cast<float>(qhi);
  double best_e = sym_error(x, w, n, best, qlo, qhi);
  // One rounding and least-squares solve per starting scale; `rounds` more for the best.
  auto try_fit = [&](float s, int rounds) {
    for (int round = 0; round < rounds && s != 0.0f; ++round) {
      const float inv = 1.0f / s;
      float num = 0, den = 0;
      for (int i = 0; i < n; ++i) {
        const int q = nearest(x[i] * inv, qlo, qhi);
        num += weight_at(w, i) * x[i] * static_cast<float>(q);
        den += weight_at(w, i) * static_cast<float>(q * q);
      }
      if (!(den > 0.0f)) return;
      const float next = num / den;
      const double e = sym_error(x, w, n, next, qlo, qhi);
      if (!(e < best_e)) return;
      best_e = e;
      best = s = next;
    }
  };
  for (int sign : {1, -1})
    for (int k = -6; k <= 6; k += 2)
      try_fit(static_cast<float>(sign) * amax /
                  (static_cast<float>(sign > 0 ? qhi : -qlo) + 0.1f * static_cast<float>(k)),
              1);
  try_fit(best, 2);
  return best;
}

struct SymCodes {
  uint16_t d = 0;
  std::array<int, 16> sc{};
  std::array<int, kQK_K> q{};
};

SymCodes encode_sym(std::string_view type, const float* x, const float* w, int qlo, int qhi,
                    int slo, int shi) {
  constexpr int kSub = 16;
  constexpr int kNsub = kQK_K / kSub;
  std::vector<float> s(kNsub);
  std::vector<double> importance(kNsub);
  float big = 0.0f;  // the sub-block scale of largest magnitude, with its sign
  for (int j = 0; j < kNsub; ++j) {
    s[j] = fit_sym(x + j * kSub, w ? w + j * kSub : nullptr, kSub, qlo, qhi);
    double c = 0;
    for (int i = 0; i < kSub; ++i) c += weight_at(w, j * kSub + i);
    importance[j] = c;
    if (std::fabs(s[j]) > std::fabs(big)) big = s[j];
  }
  SymCodes c;
  if (big == 0.0f) return c;
  auto sub_error = [&](int j, float d, int sc) {
    return sym_error(x + j * kSub, w ? w + j * kSub : nullptr, kSub, d * static_cast<float>(sc),
                     qlo, qhi);
  };
  // The largest scale maps to either end of the signed range (the negative end has one
  // more code).
  const float d_neg = big / static_cast<float>(slo);
  const float d_pos = big / static_cast<float>(shi);
  const float candidates[] = {d_neg, d_pos, refine_super_scale(s, importance, d_neg, slo, shi),
                              refine_super_scale(s, importance, d_pos, slo, shi)};
  double best_e = std::numeric_limits<double>::infinity();
  float best_d = d_neg;
  for (float dc : candidates) {
    const float d = stored_scale(type, dc, nullptr);
    if (d == 0.0f) continue;
    double e = 0;
    for (int j = 0; j < kNsub; ++j) e += sub_error(j, d, nearest(s[j] / d, slo, shi));
    if (e < best_e) {
      best_e = e;
      best_d = dc;
    }
  }
  const float d = stored_scale(type, best_d, &c.d);
  for (int j = 0; j < kNsub; ++j) {
    const int sc0 = d != 0.0f ? nearest(s[j] / d, slo, shi) : 0;
    double e_best = std::numeric_limits<double>::infinity();
    for (int ds = -1; ds <= 1; ++ds) {
      const int sc = std::clamp(sc0 + ds, slo, shi);
      const double e = sub_error(j, d, sc);
      if (e < e_best) {
        e_best = e;
        c.sc[j] = sc;
      }
    }
    const float step = d * static_cast<float>(c.sc[j]);
    for (int i = 0; i < kSub; ++i) {
      const int k = j * kSub + i;
      c.q[k] = step != 0.0f ? nearest(x[k] / step, qlo, qhi) : 0;
    }
  }
  return c;
}

// ---- packing, in the layouts of kernels/cpu/ref/quant_blocks.h ----

template <typename Block>
void store(uint8_t* dst, int64_t index, const Block& b) {
  std::memcpy(dst + index * static_cast<int64_t>(sizeof(Block)), &b, sizeof(Block));
}

void encode_block(DType type, const float* x, const float* w, uint8_t* dst, int64_t b) {
  switch (type) {
    case DType::Q2_K: {
      const AsymCodes c = encode_asym("Q2_K", x, w, 16, 3, 15);
      blocks::BlockQ2_K blk{};
      blk.d = c.d;
      blk.dmin = c.dmin;
      for (int i = 0; i < 16; ++i) blk.scales[i] = static_cast<uint8_t>(c.sc[i] | (c.m[i] << 4));
      for (int h = 0; h < 2; ++h)
        for (int s = 0; s < 4; ++s)
          for (int l = 0; l < 32; ++l)
            blk.qs[h * 32 + l] |= static_cast<uint8_t>(c.q[h * 128 + s * 32 + l] << (2 * s));
      store(dst, b, blk);
      return;
    }
    case DType::Q3_K: {
      const SymCodes c = encode_sym("Q3_K", x, w, -4, 3, -32, 31);
      blocks::BlockQ3_K blk{};
      blk.d = c.d;
      for (int i = 0; i < 16; ++i) blocks::pack_q3k_scale(blk.scales, i, c.sc[i]);
      for (int h = 0; h < 2; ++h)
        for (int s = 0; s < 4; ++s)
          for (int l = 0; l < 32; ++l) {
            const int biased = c.q[h * 128 + s * 32 + l] + 4;
            blk.qs[h * 32 + l] |= static_cast<uint8_t>((biased & 3) << (2 * s));
            blk.hmask[l] |= static_cast<uint8_t>((biased >> 2) << (h * 4 + s));
          }
      store(dst, b, blk);
      return;
    }
    case DType::Q4_K:
    case DType::Q5_K: {
      const bool five = type == DType::Q5_K;
      const AsymCodes c = encode_asym(five ? "Q5_K" : "Q4_K", x, w, 32, five ? 31 : 15, 63);
      blocks::BlockQ5_K blk5{};
      blocks::BlockQ4_K blk4{};
      uint8_t* scales = five ? blk5.scales : blk4.scales;
      uint8_t* qs = five ? blk5.qs : blk4.qs;
      for (int j = 0; j < 8; ++j) blocks::pack_q4k_scale_min(scales, j, c.sc[j], c.m[j]);
      for (int k = 0; k < kQK_K; ++k) {
        const int chunk = k / 32;
        qs[(chunk / 2) * 32 + k % 32] |= static_cast<uint8_t>((c.q[k] & 0x0f) << ((chunk % 2) * 4));
        if (five) blk5.qh[k % 32] |= static_cast<uint8_t>((c.q[k] >> 4) << chunk);
      }
      if (five) {
        blk5.d = c.d;
        blk5.dmin = c.dmin;
        store(dst, b, blk5);
      } else {
        blk4.d = c.d;
        blk4.dmin = c.dmin;
        store(dst, b, blk4);
      }
      return;
    }
    case DType::Q6_K: {
      const SymCodes c = encode_sym("Q6_K", x, w, -32, 31, -128, 127);
      blocks::BlockQ6_K blk{};
      blk.d = c.d;
      for (int i = 0; i < 16; ++i) blk.scales[i] = static_cast<int8_t>(c.sc[i]);
      for (int h = 0; h < 2; ++h)
        for (int s = 0; s < 4; ++s)
          for (int l = 0; l < 32; ++l) {
            const int biased = c.q[h * 128 + s * 32 + l] + 32;
            const int shift = s < 2 ? 0 : 4;
            blk.ql[h * 64 + (s & 1) * 32 + l] |= static_cast<uint8_t>((biased & 0x0f) << shift);
            blk.qh[h * 32 + l] |= static_cast<uint8_t>((biased >> 4) << (2 * s));
          }
      store(dst, b, blk);
      return;
    }
    default:
      fail("internal error: {} is not a K type", dtype_name(type));
  }
}

bool is_k_type(DType t) {
  return t == DType::Q2_K || t == DType::Q3_K || t == DType::Q4_K || t == DType::Q5_K ||
         t == DType::Q6_K;
}

}  // namespace

float fit_symmetric_scale(const float* x, const float* w, int n, int qlo, int qhi) {
  return fit_sym(x, w, n, qlo, qhi);
}

AffineFit fit_affine_scale(const float* x, const float* w, int n, int qmax) {
  const AsymFit f = fit_asym(x, w, n, qmax);
  return {f.s, f.o};
}

void quantize_row_best(DType type, const float* x, void* dst, int64_t n, const float* weights) {
  const bool iq4 = is_iq4_type(type);
  if (!is_k_type(type) && !iq4) {
    kernels::ref::quantize_row(type, x, dst, n);
    return;
  }
  const int64_t block = traits(type).block_size;
  if (n % block != 0)
    fail("quantize {}: row length {} is not a multiple of {}", dtype_name(type), n, block);
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      fail("quantize {}: value {} at index {} is not finite", dtype_name(type), x[i], i);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t block_bytes = traits(type).block_bytes;
  for (int64_t b = 0; b < n / block; ++b) {
    const float* w = weights ? weights + b * block : nullptr;
    if (iq4)
      encode_iq4_block(type, x + b * block, w, out + b * block_bytes);
    else
      encode_block(type, x + b * block, w, out, b);
  }
}

}  // namespace yak::derive
