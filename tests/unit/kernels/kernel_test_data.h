// Random weights and activations for the kernel tests.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/dtype.h"
#include "core/half.h"
#include "kernels/cpu/ref/quant_ref.h"

namespace yak::kernels::cpu {

// Byte offsets of the fp16 scales in each block; random bytes there could be
// inf/NaN, so the tests overwrite them with chosen values.
inline std::vector<int> half_offsets(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: return {0};
    case DType::IQ4_NL: case DType::IQ4_XS: return {0};
    case DType::Q4_1: case DType::Q5_1: case DType::Q4_K: case DType::Q5_K: return {0, 2};
    case DType::Q2_K: return {80, 82};
    case DType::Q3_K: return {108};
    case DType::Q6_K: return {208};
    default: return {};
  }
}

// A row of random blocks: every code and scale bit pattern can occur.
inline std::vector<uint8_t> random_row(DType t, int64_t n, std::mt19937& rng, bool pow2_scales) {
  const auto& tr = traits(t);
  std::vector<uint8_t> row(row_bytes(t, n));
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : row) b = static_cast<uint8_t>(byte(rng));
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  for (int64_t b = 0; b < n / tr.block_size; ++b) {
    for (int off : half_offsets(t)) {
      const float v = pow2_scales ? 0.0625f : scale(rng);
      const uint16_t h = float_to_half(v);
      std::memcpy(row.data() + b * tr.block_bytes + off, &h, 2);
    }
  }
  return row;
}

inline std::vector<float> random_floats(int64_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = dist(rng);
  return x;
}

inline double abs_dot(DType t, const uint8_t* row, const std::vector<float>& x) {
  std::vector<float> w(x.size());
  ref::dequantize_row(t, row, w.data(), static_cast<int64_t>(x.size()));
  double s = 0.0;
  for (size_t i = 0; i < x.size(); ++i) s += std::fabs(static_cast<double>(w[i]) * x[i]);
  return s;
}

}  // namespace yak::kernels::cpu
