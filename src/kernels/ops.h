// Element-wise and row-wise operations of the decoder, on float32 activations.
// These are small next to the matrix products; each takes one row (one token)
// so callers choose how to parallelise.
#pragma once

#include <cstdint>

namespace yak::kernels {

// y = x / sqrt(mean(x^2) + eps) * weight, over n elements. y may alias x.
void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps);

// How a head's dimensions are paired for rotation.
enum class RopeStyle : uint8_t {
  kInterleaved,  // pairs (2i, 2i+1): GGUF "llama" (the converter permutes Q/K weights to match)
  kNeox,         // pairs (i, i + n_rot/2): GPT-NeoX, Qwen2
};

struct RopeParams {
  RopeStyle style = RopeStyle::kInterleaved;
  int32_t n_rot = 0;  // rotated dimensions per head (<= head_dim, even)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;              // linear position scaling: angle uses pos * freq_scale
  const float* freq_factors = nullptr;  // optional [n_rot/2] divisors (Llama 3.1 "rope_freqs")
  float attn_factor = 1.0f;             // scales cos and sin (LongRoPE's attention factor)
};

// Rotates n_heads heads of head_dim floats each, laid out back to back, for position pos.
void rope(float* heads, int64_t n_heads, int64_t head_dim, int32_t pos, const RopeParams& params);

// rope() in two steps, so that the angles of a position are computed once for
// all layers: cos_sin[2i], cos_sin[2i+1] = cos, sin of pair i's angle
// (n_rot / 2 pairs), then the rotation with them.
void rope_angles(int32_t pos, const RopeParams& params, float* cos_sin);
void rope_rotate(float* heads, int64_t n_heads, int64_t head_dim, const float* cos_sin,
                 const RopeParams& params);

// In-place softmax over n elements; -inf entries become 0.
void softmax(float* x, int64_t n);

// out = silu(gate) * up, where silu(g) = g / (1 + exp(-g)). out may alias gate.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);

// out = gelu(gate) * up with GELU's tanh approximation (Gemma's "gelu_pytorch_tanh"):
// gelu(g) = g/2 * (1 + tanh(sqrt(2/pi) * (g + 0.044715 g^3))). out may alias gate.
void gelu_mul(const float* gate, const float* up, float* out, int64_t n);

// y += x
void add_inplace(float* y, const float* x, int64_t n);

// Dot product of two float rows with fixed-order partial sums.
float dot_f32(const float* a, const float* b, int64_t n);

// y += a * x
void axpy(float a, const float* x, float* y, int64_t n);

}  // namespace yak::kernels
