// Reading the real default model: a file written by llama.cpp's tools.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "format/gguf_file.h"
#include "unit/test_paths.h"

namespace yak::gguf {
namespace {

File open_default_model() {
  const std::string path = yak::test::default_model_path();
  if (!std::filesystem::exists(path))
    throw std::runtime_error("default model missing: " + path +
                             " (run scripts/setup.sh or set YAK_MODELS_DIR)");
  return File::open(path);
}

TEST(GgufModel, ReadsTheDefaultModel) {
  const File f = open_default_model();
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.metadata().size(), 33u);
  EXPECT_EQ(f.tensors().size(), 272u);
  EXPECT_EQ(f.data_offset() % f.alignment(), 0u);
  EXPECT_EQ(f.require("general.architecture").as_string(), "llama");
  EXPECT_EQ(f.require("llama.block_count").as_u32(), 30u);
  EXPECT_EQ(f.require("llama.embedding_length").as_u32(), 576u);
  EXPECT_FLOAT_EQ(static_cast<float>(f.require("llama.rope.freq_base").as_f64()), 100000.0f);
  const auto tokens = f.require("tokenizer.ggml.tokens").as_string_array();
  EXPECT_EQ(tokens.size(), 49152u);
  EXPECT_EQ(f.require("tokenizer.ggml.token_type").as_int_array().size(), 49152u);
  EXPECT_EQ(f.require("tokenizer.ggml.merges").as_array().items.size(), 48900u);
  EXPECT_FALSE(f.require("tokenizer.chat_template").as_string().empty());

  const TensorInfo& embd = f.require_tensor("token_embd.weight");
  EXPECT_EQ(embd.type, DType::Q8_0);
  EXPECT_EQ(embd.shape, (std::vector<int64_t>{576, 49152}));
  EXPECT_EQ(embd.size_bytes, 576u / 32 * 34 * 49152);
  EXPECT_EQ(embd.data, f.tensors()[0].data);

  // Data pointers are zero-copy views: consecutive tensors sit inside the
  // file, in bounds and aligned relative to the data section.
  uint64_t total = 0;
  for (const TensorInfo& t : f.tensors()) {
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    EXPECT_LE(f.data_offset() + t.offset + t.size_bytes, f.file_size()) << t.name;
    total += t.size_bytes;
  }
  EXPECT_GT(total, f.file_size() / 2);
  EXPECT_EQ(f.require_tensor("blk.0.attn_norm.weight").type, DType::F32);
  EXPECT_EQ(f.require_tensor("blk.0.ffn_down.weight").type, DType::Q4_1);
  EXPECT_EQ(f.require_tensor("blk.0.ffn_down.weight").shape, (std::vector<int64_t>{1536, 576}));
}

}  // namespace
}  // namespace yak::gguf
