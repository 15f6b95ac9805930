// The reference kernels against gguf-py (an independent numpy implementation
// of the GGUF layouts), through the golden files of
// tools/golden/make_quant_golden.py: dequantization must match bit for bit for
// every type, quantization byte for byte where gguf-py can quantize.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/half.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "unit/kernels/quant_golden_file.h"

namespace yak::kernels::ref {
namespace {

using test::BitsChecksum;
using test::QuantGoldenFile;
using test::QuantGoldenKind;

// Number of differing values; reports the first few with their bits.
int count_bit_differences(const std::vector<float>& got, const std::vector<float>& want,
                          const std::string& what) {
  int diffs = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (float_to_bits(got[i]) == float_to_bits(want[i])) continue;
    if (++diffs <= 5)
      ADD_FAILURE() << what << ": value " << i << " is " << got[i] << " (0x" << std::hex
                    << float_to_bits(got[i]) << "), gguf-py has " << want[i] << " (0x"
                    << float_to_bits(want[i]) << ")" << std::dec;
  }
  return diffs;
}

class QuantGolden : public ::testing::TestWithParam<DType> {};

TEST_P(QuantGolden, DequantizeMatchesGgufPyBitExactly) {
  const DType type = GetParam();
  const std::string name(dtype_name(type));
  QuantGoldenFile f("dequant_" + name + ".bin", QuantGoldenKind::kDequantize);
  ASSERT_EQ(f.u32(), static_cast<uint32_t>(type)) << f.path();
  const uint32_t n = f.u32();
  const uint32_t n_bytes = f.u32();
  ASSERT_EQ(n_bytes, row_bytes(type, n)) << f.path();
  const auto raw = f.bytes(n_bytes);
  const auto want = f.floats(n);
  ASSERT_TRUE(f.at_end()) << f.path() << ": trailing bytes";

  std::vector<float> got(n);
  dequantize_row(type, raw.data(), got.data(), n);
  EXPECT_EQ(count_bit_differences(got, want, name + " dequantize"), 0);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantGolden,
                         ::testing::Values(DType::F32, DType::F16, DType::BF16, DType::Q4_0,
                                           DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
                                           DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,
                                           DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// gguf-py implements quantize for these types only; its quantizers are written
// to give the same bytes as ggml's C reference quantizers (same operations in
// the same order, first maximum wins, round half away from zero for Q8_0), and
// the inputs include blocks full of such ties, so equality is exact.
class QuantizeGolden : public ::testing::TestWithParam<DType> {};

TEST_P(QuantizeGolden, QuantizeMatchesGgufPyBytes) {
  const DType type = GetParam();
  const std::string name(dtype_name(type));
  QuantGoldenFile f("quant_" + name + ".bin", QuantGoldenKind::kQuantize);
  ASSERT_EQ(f.u32(), static_cast<uint32_t>(type)) << f.path();
  const uint32_t n = f.u32();
  const uint32_t n_bytes = f.u32();
  ASSERT_EQ(n_bytes, row_bytes(type, n)) << f.path();
  const auto x = f.floats(n);
  const auto want = f.bytes(n_bytes);
  ASSERT_TRUE(f.at_end()) << f.path() << ": trailing bytes";

  std::vector<uint8_t> got(n_bytes);
  quantize_row(type, x.data(), got.data(), n);
  const int64_t block_bytes = traits(type).block_bytes;
  int diffs = 0;
  for (uint32_t i = 0; i < n_bytes; ++i) {
    if (got[i] == want[i]) continue;
    if (++diffs <= 5)
      ADD_FAILURE() << name << " quantize: byte " << i << " (block " << i / block_bytes
                    << ") is " << int{got[i]} << ", gguf-py has " << int{want[i]};
  }
  EXPECT_EQ(diffs, 0);
}

INSTANTIATE_TEST_SUITE_P(GgufPyQuantizable, QuantizeGolden,
                         ::testing::Values(DType::F32, DType::F16, DType::BF16, DType::Q4_0,
                                           DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// The float32 sweep of make_quant_golden.py (see its docstring).
std::vector<float> conversion_sweep() {
  std::vector<float> out;
  for (uint64_t i = 0; i < (1u << 20); ++i)
    out.push_back(bits_to_float(static_cast<uint32_t>(i * 0x9E3779B1ull)));
  auto around = [&](float lo, float hi) {
    const float mid = lo + (hi - lo) * 0.5f;
    const float below = std::nextafter(mid, -INFINITY);
    const float above = std::nextafter(mid, INFINITY);
    for (float v : {lo, mid, below, above}) {
      out.push_back(v);
      out.push_back(-v);
    }
  };
  for (uint32_t h = 0; h < 0x7bff; ++h)
    around(half_to_float(static_cast<uint16_t>(h)), half_to_float(static_cast<uint16_t>(h + 1)));
  for (uint32_t h = 0; h < 0x7f7f; ++h)
    around(bf16_to_float(static_cast<uint16_t>(h)), bf16_to_float(static_cast<uint16_t>(h + 1)));
  return out;
}

TEST(QuantGoldenConversions, HalfAndBf16MatchNumpyAndGgufPy) {
  QuantGoldenFile f("conversions.bin", QuantGoldenKind::kConversions);
  const uint32_t records = f.u32();
  const std::vector<float> sweep = conversion_sweep();
  int checked = 0;
  for (uint32_t r = 0; r < records; ++r) {
    const std::string name = f.name(32);
    const uint64_t count = f.u64();
    const uint64_t want = f.u64();
    BitsChecksum sum;
    if (name == "f16_to_f32_all") {
      for (uint32_t h = 0; h < 65536; ++h) sum.add_float(half_to_float(static_cast<uint16_t>(h)));
    } else if (name == "bf16_to_f32_all") {
      for (uint32_t h = 0; h < 65536; ++h) sum.add_float(bf16_to_float(static_cast<uint16_t>(h)));
    } else if (name == "f32_to_f16_sweep") {
      for (float v : sweep) {
        uint16_t h = float_to_half(v);
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0) h = 0x7e00;  // any NaN
        sum.add(h);
      }
    } else if (name == "f32_to_bf16_sweep") {
      for (float v : sweep) sum.add(float_to_bf16(v));
    } else {
      FAIL() << f.path() << ": unknown record " << name;
    }
    EXPECT_EQ(sum.count(), count) << name;
    EXPECT_EQ(sum.value(), want) << name << ": conversions differ from numpy / gguf-py";
    ++checked;
  }
  EXPECT_EQ(checked, 4);
  EXPECT_TRUE(f.at_end());
}

}  // namespace
}  // namespace yak::kernels::ref
