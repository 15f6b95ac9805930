// Quantizing with an importance matrix (yak/imatrix.h): each column's importance is the
// mean square of the activations it multiplies, so a weight's rounding error costs the
// product's output about importance * error^2, and that is the error minimised.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace yak::derive {

// The types llama-quantize weights by an importance matrix and Yak does too: the K types,
// IQ4_NL, IQ4_XS and Q4_0, Q4_1, Q5_0, Q5_1 (Q8_0 and the float types round each value on
// its own).
bool uses_importance(DType type);

// Encodes x[0..n) with per-column importances (n of them, all >= 0). The scale searches
// weight each value's error as llama.cpp's ggml-quants does: importance * sqrt(sigma2 +
// x^2), sigma2 being the mean square of the row (legacy types) or of the block (twice it for
// Q3_K, Q4_K, Q5_K and the IQ4 types: 32 values for IQ4_NL, else 256), or the importance
// alone for Q6_K. Block by block, the result is
// whichever of that and the unweighted encoding (quantize_row_best) has the smaller
// importance-weighted squared error, so a tensor never gets worse by that measure.
// A type for which uses_importance is false is encoded as quantize_row_best encodes it.
void quantize_row_importance(DType type, const float* x, void* dst, int64_t n,
                             const float* importance);

// sum_i importance_i (x_i - decoded_i)^2 of an encoded row, for checks and tests.
double importance_weighted_error(DType type, const float* x, const void* encoded, int64_t n,
                                 const float* importance);

}  // namespace yak::derive
