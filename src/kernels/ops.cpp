#include "kernels/ops.h"

#include <cmath>
#include <limits>
#include <vector>

namespace yak::kernels {

void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps) {
  double sum_sq = 0.0;
  for (int64_t i = 0; i < n; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  const float mean = static_cast<float>(sum_sq / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * weight[i];
}

void rope_angles(int32_t pos, const RopeParams& p, float* cos_sin) {
  // Angles are computed in double: at long positions float angles lose the
  // low bits that the reference (which computes them in float64 or exact
  // float32 products) keeps.
  for (int64_t i = 0; i < p.n_rot / 2; ++i) {
    double inv_freq = std::pow(static_cast<double>(p.freq_base),
                               -2.0 * static_cast<double>(i) / static_cast<double>(p.n_rot));
    if (p.freq_factors != nullptr) inv_freq /= p.freq_factors[i];
    const double angle = static_cast<double>(pos) * p.freq_scale * inv_freq;
    cos_sin[2 * i] = static_cast<float>(std::cos(angle)) * p.attn_factor;
    cos_sin[2 * i + 1] = static_cast<float>(std::sin(angle)) * p.attn_factor;
  }
}

void rope_rotate(float* heads, int64_t n_heads, int64_t head_dim, const float* cos_sin,
                 const RopeParams& p) {
  const int64_t half = p.n_rot / 2;
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = heads + h * head_dim;
    for (int64_t i = 0; i < half; ++i) {
      const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
      const int64_t a = p.style == RopeStyle::kNeox ? i : 2 * i;
      const int64_t b = p.style == RopeStyle::kNeox ? i + half : 2 * i + 1;
      const float x0 = v[a];
      const float x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

void rope(float* heads, int64_t n_heads, int64_t head_dim, int32_t pos, const RopeParams& p) {
  std::vector<float> cos_sin(static_cast<size_t>(p.n_rot));
  rope_angles(pos, p, cos_sin.data());
  rope_rotate(heads, n_heads, head_dim, cos_sin.data(), p);
}

void softmax(float* x, int64_t n) {
  float max_v = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) max_v = std::fmax(max_v, x[i]);
  if (max_v == -std::numeric_limits<float>::infinity()) {
    for (int64_t i = 0; i < n; ++i) x[i] = 0.0f;
    return;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_v);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void gelu_mul(const float* gate, const float* up, float* out, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = 0.5f * g * (1.0f + std::tanh(kSqrt2OverPi * (g + 0.044715f * g * g * g))) * up[i];
  }
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

float dot_f32(const float* a, const float* b, int64_t n) {
  // Eight independent partial sums let the compiler vectorise without
  // reassociating (no -ffast-math), and keep the result deterministic.
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  float tail = 0.0f;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

void axpy(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace yak::kernels
