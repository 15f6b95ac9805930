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
// sum_i w_i (x_i - decoded_i)^2. `w` null means w_i = sqrt(sigma2 + x_i^2), sigma2 twice the
// block's mean square: the weighting ggml's IQ4 search applies to an importance matrix, here
// with unit importances. Larger values then count somewhat more than with unit weights, which
// the model's outputs reward: SmolLM2-135M from F16 to IQ4_NL, KL divergence from the F16 on
// 20 windows of wikitext-2, 0.160 with these weights, 0.180 with unit ones (llama-quantize's
// file 0.196, its x^2 weights 0.201). Throws yak::Error when a scale is too large for fp16.
void encode_iq4_block(DType type, const float* x, const float* w, uint8_t* dst);

}  // namespace yak::derive
