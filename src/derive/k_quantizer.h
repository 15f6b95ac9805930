// The quantizer of `yak quantize`: for the K types (and, through derive/iq4_quantizer.h,
// IQ4_NL and IQ4_XS), a search for the scales that minimise the squared rounding error (the
// reference quantizers of kernels/cpu/ref only guarantee valid blocks); for the other types
// the reference quantizers, which give the same bytes as ggml's and the gguf package's.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace yak::derive {

// Encodes x[0..n) (n a multiple of the type's block size) into dst (row_bytes(type, n)
// bytes), minimising sum_i w_i (x_i - decoded_i)^2 for the K and IQ4 types; `weights` null
// means all 1 (for the IQ4 types, the weights of derive/iq4_quantizer.h). Throws yak::Error for values that are not finite or too large for the type.
void quantize_row_best(DType type, const float* x, void* dst, int64_t n,
                       const float* weights = nullptr);

// The scale searches behind quantize_row_best, for the importance-weighted legacy types
// (derive/importance_quantizer.cpp). Symmetric: the s minimising sum_i w_i (x_i - s q_i)^2
// with q_i = round(x_i / s) in [qlo, qhi] (s may be negative: the code range is lopsided).
float fit_symmetric_scale(const float* x, const float* w, int n, int qlo, int qhi);
// Affine: x_i ~ scale * q_i - offset, q_i in [0, qmax], scale >= 0, offset >= 0 (the range
// always holds 0, as llama.cpp's weighted searches keep it).
struct AffineFit {
  float scale = 0.0f;
  float offset = 0.0f;
};
AffineFit fit_affine_scale(const float* x, const float* w, int n, int qmax);

}  // namespace yak::derive
