#include "derive/importance_quantizer.h"

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "derive/iq4_quantizer.h"
#include "derive/k_quantizer.h"
#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/cpu/ref/quant_ref.h"

namespace yak::derive {
namespace {

namespace blocks = kernels::ref;

int nearest(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(std::floor(v + 0.5f));
}

uint16_t fp16(std::string_view type, float v) {
  const uint16_t h = float_to_half(v);
  if ((h & 0x7c00u) == 0x7c00u)
    fail("quantize {}: block scale {} is too large for fp16 (values too large)", type, v);
  return h;
}

// Codes of a 32-value block, packed as Q4_0/Q4_1 (4 bits) or Q5_0/Q5_1 (and a fifth).
void pack_nibbles(const std::array<int, blocks::kQK>& q, uint8_t* qs, uint8_t* qh) {
  uint32_t high = 0;
  for (int j = 0; j < blocks::kQK / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4));
    high |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    high |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
  }
  if (qh != nullptr) std::memcpy(qh, &high, sizeof high);
}

// A legacy block (32 values) by the weighted search: symmetric for Q4_0/Q5_0, affine for
// Q4_1/Q5_1; codes rounded under the scales as stored.
void encode_legacy_block(DType type, const float* x, const float* w, uint8_t* dst) {
  std::array<int, blocks::kQK> q{};
  const bool five = type == DType::Q5_0 || type == DType::Q5_1;
  const std::string_view name = dtype_name(type);
  if (type == DType::Q4_0 || type == DType::Q5_0) {
    const int half = five ? 16 : 8;
    const uint16_t d = fp16(name, fit_symmetric_scale(x, w, blocks::kQK, -half, half - 1));
    const float ds = half_to_float(d);
    for (int i = 0; i < blocks::kQK; ++i)
      q[i] = (ds != 0.0f ? nearest(x[i] / ds, -half, half - 1) : 0) + half;
    if (five) {
      blocks::BlockQ5_0 b{};
      b.d = d;
      pack_nibbles(q, b.qs, b.qh);
      std::memcpy(dst, &b, sizeof b);
    } else {
      blocks::BlockQ4_0 b{};
      b.d = d;
      pack_nibbles(q, b.qs, nullptr);
      std::memcpy(dst, &b, sizeof b);
    }
    return;
  }
  const int qmax = five ? 31 : 15;
  const AffineFit f = fit_affine_scale(x, w, blocks::kQK, qmax);
  const uint16_t d = fp16(name, f.scale);
  const uint16_t m = fp16(name, -f.offset);
  const float ds = half_to_float(d);
  const float ms = half_to_float(m);
  for (int i = 0; i < blocks::kQK; ++i) q[i] = ds > 0.0f ? nearest((x[i] - ms) / ds, 0, qmax) : 0;
  if (five) {
    blocks::BlockQ5_1 b{};
    b.d = d;
    b.m = m;
    pack_nibbles(q, b.qs, b.qh);
    std::memcpy(dst, &b, sizeof b);
  } else {
    blocks::BlockQ4_1 b{};
    b.d = d;
    b.m = m;
    pack_nibbles(q, b.qs, nullptr);
    std::memcpy(dst, &b, sizeof b);
  }
}

bool is_legacy(DType t) {
  return t == DType::Q4_0 || t == DType::Q4_1 || t == DType::Q5_0 || t == DType::Q5_1;
}

double mean_square(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
  return n > 0 ? s / double(n) : 0.0;
}

// The search's per-value weights for one block (block_len values at x), given sigma2.
void search_weights(DType type, const float* x, const float* importance, int64_t block_len,
                    float sigma2, float* w) {
  for (int64_t i = 0; i < block_len; ++i)
    w[i] = type == DType::Q6_K ? importance[i] : importance[i] * std::sqrt(sigma2 + x[i] * x[i]);
}

}  // namespace

bool uses_importance(DType type) {
  switch (type) {
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_NL:
    case DType::IQ4_XS:
      return true;
    default:
      return is_legacy(type);
  }
}

double importance_weighted_error(DType type, const float* x, const void* encoded, int64_t n,
                                 const float* importance) {
  std::vector<float> decoded(static_cast<size_t>(n));
  kernels::ref::dequantize_row(type, encoded, decoded.data(), n);
  double e = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = double(x[i]) - decoded[static_cast<size_t>(i)];
    e += double(importance[i]) * d * d;
  }
  return e;
}

void quantize_row_importance(DType type, const float* x, void* dst, int64_t n,
                             const float* importance) {
  if (!uses_importance(type) || importance == nullptr) {
    quantize_row_best(type, x, dst, n);
    return;
  }
  const int64_t block_len = traits(type).block_size;
  if (n % block_len != 0)
    fail("quantize {}: row length {} is not a multiple of {}", dtype_name(type), n, block_len);
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]))
      fail("quantize {}: value {} at index {} is not finite", dtype_name(type), x[i], i);
    if (!std::isfinite(importance[i]) || importance[i] < 0.0f)
      fail("quantize {}: importance {} of column {} is not a finite value >= 0", dtype_name(type),
           importance[i], i);
  }
  const uint64_t block_bytes = row_bytes(type, block_len);
  // llama.cpp's sigma2: the row's mean square for the legacy types, the block's (twice it for
  // Q3_K, Q4_K, Q5_K and the IQ4 types) for the others.
  const float row_sigma2 = static_cast<float>(mean_square(x, n));
  const float k_factor = type == DType::Q2_K ? 1.0f : 2.0f;
  std::vector<float> w(static_cast<size_t>(block_len));
  std::vector<uint8_t> weighted(block_bytes), plain(block_bytes);
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n / block_len; ++b) {
    const float* xb = x + b * block_len;
    const float* ib = importance + b * block_len;
    const float sigma2 =
        is_legacy(type) ? row_sigma2 : k_factor * static_cast<float>(mean_square(xb, block_len));
    search_weights(type, xb, ib, block_len, sigma2, w.data());
    if (is_legacy(type)) {
      encode_legacy_block(type, xb, w.data(), weighted.data());
      kernels::ref::quantize_row(type, xb, plain.data(), block_len);
    } else {
      quantize_row_best(type, xb, weighted.data(), block_len, w.data());
      quantize_row_best(type, xb, plain.data(), block_len);
    }
    const bool keep_weighted =
        importance_weighted_error(type, xb, weighted.data(), block_len, ib) <=
        importance_weighted_error(type, xb, plain.data(), block_len, ib);
    std::memcpy(out + b * block_bytes, keep_weighted ? weighted.data() : plain.data(), block_bytes);
  }
}

}  // namespace yak::derive
