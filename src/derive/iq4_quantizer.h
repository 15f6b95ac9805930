// The quantizer of `yak quantize` for the non-linear 4-bit types IQ4_NL and IQ4_XS, whose
// codes index 16 fixed levels rather than an even grid: a search for the block scales that
// minimise the weighted squared error (the reference quantizers of kernels/cpu/ref only take
// the largest value's scale).
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace yak::derive {

bool is_iq4_type(DType type);

// Encodes one block of finite values (32 for IQ4_NL, 256 for IQ4_XS) into dst, minimising
// sum_i w_i (x_i - decoded_i)^2; `w` null means all 1. Throws yak::Error when a scale is too
// large for fp16.
void encode_iq4_block(DType type, const float* x, const float* w, uint8_t* dst);

}  // namespace yak::derive
