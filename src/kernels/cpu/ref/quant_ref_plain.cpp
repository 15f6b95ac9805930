// Plain float types: one value per "block". Conversions are those of
// core/half.h, bit-exact with numpy and ggml (round to nearest even).
#include "kernels/cpu/ref/no_fp_contract.h"  // first: see there

#include "kernels/cpu/ref/quant_ref_impl.h"

namespace yak::kernels::ref::detail {

void dequantize_f32(const uint8_t* src, float* dst, int64_t blocks) {
  std::memcpy(dst, src, static_cast<size_t>(blocks) * sizeof(float));
}

void dequantize_f16(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, sizeof h);
    dst[i] = half_to_float(h);
  }
}

void dequantize_bf16(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, sizeof h);
    dst[i] = bf16_to_float(h);
  }
}

// F32, F16 and BF16 can hold infinities and NaNs, so unlike the integer codes
// these accept any input: values beyond the fp16 range become infinities.
void quantize_f32(const float* src, uint8_t* dst, int64_t blocks) {
  std::memcpy(dst, src, static_cast<size_t>(blocks) * sizeof(float));
}

void quantize_f16(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) {
    const uint16_t h = float_to_half(src[i]);
    std::memcpy(dst + 2 * i, &h, sizeof h);
  }
}

void quantize_bf16(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) {
    const uint16_t h = float_to_bf16(src[i]);
    std::memcpy(dst + 2 * i, &h, sizeof h);
  }
}

}  // namespace yak::kernels::ref::detail
