// Dequantizing real tensors of the default model (Q8_0 token embeddings, Q4_1
// projections) against gguf-py. The golden file records where each tensor's
// data lies in the model file, a few rows of gguf-py's values and a checksum of
// all of them, so the first test reads the bytes directly and needs no GGUF
// parser; the second reads the same tensors through yak::gguf::File.
#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/dtype.h"
#include "core/half.h"
#include "format/gguf_file.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "unit/kernels/quant_golden_file.h"
#include "unit/test_paths.h"

namespace yak::kernels::ref {
namespace {

using test::BitsChecksum;
using test::QuantGoldenFile;
using test::QuantGoldenKind;

TEST(QuantModelTensors, DequantizeMatchesGgufPy) {
  QuantGoldenFile f("model_samples.bin", QuantGoldenKind::kModel);
  const std::string model = test::default_model_path();
  ASSERT_TRUE(std::filesystem::exists(model))
      << "default model missing: " << model << " (see scripts/setup.sh)";
  const uint64_t size = f.u64();
  ASSERT_EQ(std::filesystem::file_size(model), size)
      << model << " is not the file the golden was made from; rerun "
      << "tools/golden/make_quant_golden.py";
  std::ifstream in(model, std::ios::binary);
  ASSERT_TRUE(in) << "cannot open " << model;

  const uint32_t n_tensors = f.u32();
  ASSERT_GE(n_tensors, 2u);
  bool saw_q8_0 = false;
  bool saw_q4_1 = false;
  for (uint32_t t = 0; t < n_tensors; ++t) {
    const std::string name = f.name(64);
    const auto type = static_cast<DType>(f.u32());
    const uint32_t row_len = f.u32();
    const uint64_t n_rows = f.u64();
    const uint64_t offset = f.u64();
    const uint64_t n_bytes = f.u64();
    const uint64_t checksum = f.u64();
    const uint32_t n_samples = f.u32();
    SCOPED_TRACE(name);
    saw_q8_0 |= type == DType::Q8_0;
    saw_q4_1 |= type == DType::Q4_1;
    const uint64_t row_size = row_bytes(type, row_len);
    ASSERT_EQ(n_bytes, row_size * n_rows);

    std::vector<uint8_t> data(n_bytes);
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(n_bytes));
    ASSERT_TRUE(in) << "cannot read " << n_bytes << " bytes at " << offset;

    std::vector<float> values(static_cast<size_t>(row_len) * n_rows);
    for (uint64_t r = 0; r < n_rows; ++r)
      dequantize_row(type, data.data() + r * row_size, values.data() + r * row_len, row_len);
    BitsChecksum sum;
    for (float v : values) sum.add_float(v);
    EXPECT_EQ(sum.value(), checksum) << "the dequantized tensor differs from gguf-py's";

    for (uint32_t s = 0; s < n_samples; ++s) {
      const uint32_t row = f.u32();
      const std::vector<float> want = f.floats(row_len);
      ASSERT_LT(row, n_rows);
      int diffs = 0;
      for (uint32_t i = 0; i < row_len; ++i) {
        const float got = values[static_cast<size_t>(row) * row_len + i];
        if (float_to_bits(got) != float_to_bits(want[i]) && ++diffs <= 3)
          ADD_FAILURE() << "row " << row << " value " << i << ": " << got << " vs gguf-py "
                        << want[i];
      }
      EXPECT_EQ(diffs, 0) << "row " << row;
    }
  }
  EXPECT_TRUE(saw_q8_0 && saw_q4_1) << "the golden must cover a Q8_0 and a Q4_1 tensor";
  EXPECT_TRUE(f.at_end());
}

// The same tensors found by the format layer, dequantized from the mapping.
TEST(QuantModelTensors, GgufFileTensorsDequantizeLikeGgufPy) {
  QuantGoldenFile f("model_samples.bin", QuantGoldenKind::kModel);
  f.u64();  // file size, checked above
  const auto file = gguf::File::open(test::default_model_path());
  const uint32_t n_tensors = f.u32();
  for (uint32_t t = 0; t < n_tensors; ++t) {
    const std::string name = f.name(64);
    const auto type = static_cast<DType>(f.u32());
    const uint32_t row_len = f.u32();
    const uint64_t n_rows = f.u64();
    const uint64_t offset = f.u64();
    f.u64();  // n_bytes
    f.u64();  // checksum
    const uint32_t n_samples = f.u32();
    SCOPED_TRACE(name);
    const gguf::TensorInfo& info = file.require_tensor(name);
    ASSERT_EQ(info.type, type);
    ASSERT_EQ(info.shape.at(0), int64_t{row_len});
    ASSERT_EQ(info.rows(), static_cast<int64_t>(n_rows));
    EXPECT_EQ(file.data_offset() + info.offset, offset);
    const uint64_t row_size = row_bytes(type, row_len);
    std::vector<float> got(row_len);
    for (uint32_t s = 0; s < n_samples; ++s) {
      const uint32_t row = f.u32();
      const std::vector<float> want = f.floats(row_len);
      ASSERT_LT(row, n_rows);
      dequantize_row(type, info.data + row * row_size, got.data(), row_len);
      EXPECT_EQ(std::memcmp(got.data(), want.data(), row_len * sizeof(float)), 0) << "row " << row;
    }
  }
}

}  // namespace
}  // namespace yak::kernels::ref
