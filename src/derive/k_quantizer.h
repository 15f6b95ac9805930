// The quantizer of `yak quantize`: for the K types, a search for the scales that minimise
// the squared rounding error (the reference quantizers of kernels/cpu/ref only guarantee
// valid blocks); for the other types the reference quantizers, which give the same bytes as
// ggml's and the gguf package's.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace yak::derive {

// Encodes x[0..n) (n a multiple of the type's block size) into dst (row_bytes(type, n)
// bytes), minimising sum_i w_i (x_i - decoded_i)^2 for the K types; `weights` null means
// all 1. Throws yak::Error for values that are not finite or too large for the type.
void quantize_row_best(DType type, const float* x, void* dst, int64_t n,
                       const float* weights = nullptr);

}  // namespace yak::derive
