// Plain scalar reference implementations of every tensor type: dequantize,
// quantize and dot product. These define what the numbers in a GGUF tensor
// mean; every SIMD or CUDA kernel is tested against them.
//
// All functions take `n` elements, a multiple of the type's block size (the
// caller validates shapes when a file is loaded).
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace yak::kernels::ref {

// dst[0..n) = the values stored in `src`.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);

// Encodes src[0..n) into `dst` (row_bytes(type, n) bytes). Round-trips exactly
// for F32; for the other types the layout is bit-compatible with ggml and the
// error is that type's usual quantization error.
void quantize_row(DType type, const float* src, void* dst, int64_t n);

// sum_i dequant(row)[i] * x[i], accumulated in double so that the result
// depends only on the values, not on an order of summation.
float dot_row(DType type, const void* row, const float* x, int64_t n);

}  // namespace yak::kernels::ref
