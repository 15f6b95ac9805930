// Dispatch of the reference kernels on the tensor type, and the dot product
// built on the dequantizers.
#include "kernels/cpu/ref/no_fp_contract.h"  // first: see there

#include "kernels/cpu/ref/quant_ref.h"

#include <array>

#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/cpu/ref/quant_ref_impl.h"

namespace yak::kernels::ref {
namespace {

using namespace detail;

struct Codec {
  DType type;
  DequantizeFn dequantize;
  QuantizeFn quantize;
};

constexpr std::array kCodecs = {
    Codec{DType::F32, dequantize_f32, quantize_f32},
    Codec{DType::F16, dequantize_f16, quantize_f16},
    Codec{DType::BF16, dequantize_bf16, quantize_bf16},
    Codec{DType::Q4_0, dequantize_q4_0, quantize_q4_0},
    Codec{DType::Q4_1, dequantize_q4_1, quantize_q4_1},
    Codec{DType::Q5_0, dequantize_q5_0, quantize_q5_0},
    Codec{DType::Q5_1, dequantize_q5_1, quantize_q5_1},
    Codec{DType::Q8_0, dequantize_q8_0, quantize_q8_0},
    Codec{DType::Q2_K, dequantize_q2_k, quantize_q2_k},
    Codec{DType::Q3_K, dequantize_q3_k, quantize_q3_k},
    Codec{DType::Q4_K, dequantize_q4_k, quantize_q4_k},
    Codec{DType::Q5_K, dequantize_q5_k, quantize_q5_k},
    Codec{DType::Q6_K, dequantize_q6_k, quantize_q6_k},
    Codec{DType::IQ4_NL, dequantize_iq4_nl, quantize_iq4_nl},
    Codec{DType::IQ4_XS, dequantize_iq4_xs, quantize_iq4_xs},
};

std::string type_name(DType type) {
  const auto t = dtype_traits(static_cast<uint32_t>(type));
  return t ? std::string(t->name) : fmt::format("unknown type id {}", static_cast<uint32_t>(type));
}

const Codec& codec(const char* op, DType type) {
  for (const auto& c : kCodecs)
    if (c.type == type) return c;
  fail("{}: tensor type {} is not supported", op, type_name(type));
}

// Number of blocks in n values; n must be a whole number of blocks.
int64_t block_count(const char* op, DType type, int64_t n) {
  const int64_t bs = traits(type).block_size;
  if (n < 0 || n % bs != 0)
    fail("{}: {} values is not a whole number of {} blocks of {}", op, n, type_name(type), bs);
  return n / bs;
}

}  // namespace

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
  const Codec& c = codec("dequantize_row", type);
  const int64_t blocks = block_count("dequantize_row", type, n);
  if (blocks > 0) c.dequantize(static_cast<const uint8_t*>(src), dst, blocks);
}

void quantize_row(DType type, const float* src, void* dst, int64_t n) {
  const Codec& c = codec("quantize_row", type);
  const int64_t blocks = block_count("quantize_row", type, n);
  // The integer codes cannot represent NaN or infinity (the plain types can).
  if (traits(type).block_size > 1) require_finite(dtype_name(type), src, n);
  if (blocks > 0) c.quantize(src, static_cast<uint8_t*>(dst), blocks);
}

float dot_row(DType type, const void* row, const float* x, int64_t n) {
  const Codec& c = codec("dot_row", type);
  const int64_t blocks = block_count("dot_row", type, n);
  const auto* src = static_cast<const uint8_t*>(row);
  const auto& t = traits(type);
  // Dequantize a chunk of blocks at a time into a small buffer; for the plain
  // types a chunk is many single-value "blocks".
  constexpr int64_t kChunkValues = kQK_K;
  const int64_t chunk_blocks = std::max<int64_t>(1, kChunkValues / t.block_size);
  std::array<float, kChunkValues> buf;
  double sum = 0.0;
  for (int64_t b = 0; b < blocks; b += chunk_blocks) {
    const int64_t nb = std::min(chunk_blocks, blocks - b);
    c.dequantize(src + b * t.block_bytes, buf.data(), nb);
    const float* xb = x + b * t.block_size;
    for (int64_t i = 0; i < nb * t.block_size; ++i)
      sum += static_cast<double>(buf[i]) * static_cast<double>(xb[i]);
  }
  return static_cast<float>(sum);
}

}  // namespace yak::kernels::ref
