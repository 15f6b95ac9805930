// The fuzzer's seed corpus (tests/fuzz/corpus/gguf) is made by the Writer
// here, and checked to be exactly what the Writer makes and to parse. To
// rebuild it after a format change: YAK_WRITE_GGUF_CORPUS=1 yak_unit_tests
// --gtest_filter='GgufCorpus.*'.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <numeric>

#include "core/error.h"
#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "unit/test_paths.h"

namespace yak::gguf {
namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

std::map<std::string, std::vector<uint8_t>> seeds() {
  std::map<std::string, std::vector<uint8_t>> out;
  out["empty.gguf"] = Writer().to_bytes();

  Writer scalars;
  scalars.set("u8", Value::u8(200));
  scalars.set("i8", Value::i8(-100));
  scalars.set("u16", Value::u16(60000));
  scalars.set("i16", Value::i16(-30000));
  scalars.set("u32", Value::u32(3000000000u));
  scalars.set("i32", Value::i32(-7));
  scalars.set("u64", Value::u64(1ull << 50));
  scalars.set("i64", Value::i64(-(1ll << 50)));
  scalars.set("f32", Value::f32(0.25f));
  scalars.set("f64", Value::f64(1e-300));
  scalars.set("bool", Value::boolean(true));
  scalars.set("string", Value::string("hello \xe2\x9c\x93"));
  out["scalars.gguf"] = scalars.to_bytes();

  Writer arrays;
  arrays.set("strings", Value::array(ValueType::STRING, {Value::string("<s>"), Value::string("a"),
                                                         Value::string("")}));
  arrays.set("ints", Value::array(ValueType::I32, {Value::i32(1), Value::i32(-2)}));
  arrays.set("floats", Value::array(ValueType::F32, {Value::f32(0.5f), Value::f32(-1.0f)}));
  arrays.set("bools", Value::array(ValueType::BOOL, {Value::boolean(false)}));
  arrays.set("empty", Value::array(ValueType::U64, {}));
  arrays.set("nested",
             Value::array(ValueType::ARRAY,
                          {Value::array(ValueType::U8, {Value::u8(1)}),
                           Value::array(ValueType::ARRAY, {Value::array(ValueType::I64, {})})}));
  out["arrays.gguf"] = arrays.to_bytes();

  Writer tensors;
  tensors.set("general.architecture", Value::string("llama"));
  tensors.add_tensor("f32", DType::F32, {4, 2}, pattern(32, 1));
  tensors.add_tensor("f16", DType::F16, {3}, pattern(6, 2));
  tensors.add_tensor("q8_0", DType::Q8_0, {32, 2}, pattern(68, 3));
  tensors.add_tensor("q4_0", DType::Q4_0, {32}, pattern(18, 4));
  tensors.add_tensor("q4_k", DType::Q4_K, {256}, pattern(144, 5));
  tensors.add_tensor("i32", DType::I32, {2, 1, 1, 2}, pattern(16, 6));
  out["tensors.gguf"] = tensors.to_bytes();

  Writer aligned(64);
  aligned.set("general.name", Value::string("aligned"));
  aligned.add_tensor("a", DType::F32, {3}, pattern(12, 7));
  aligned.add_tensor("b", DType::BF16, {5}, pattern(10, 8));
  out["align64.gguf"] = aligned.to_bytes();

  Writer llama;
  llama.set("general.architecture", Value::string("llama"));
  llama.set("llama.block_count", Value::u32(1));
  llama.set("llama.embedding_length", Value::u32(32));
  llama.set("llama.attention.head_count", Value::u32(2));
  llama.set("llama.rope.freq_base", Value::f32(10000.0f));
  llama.set("tokenizer.ggml.model", Value::string("gpt2"));
  llama.set("tokenizer.ggml.tokens",
            Value::array(ValueType::STRING,
                         {Value::string("a"), Value::string("b"), Value::string("ab")}));
  llama.set("tokenizer.ggml.merges", Value::array(ValueType::STRING, {Value::string("a b")}));
  llama.add_tensor("token_embd.weight", DType::Q8_0, {32, 3}, pattern(102, 9));
  llama.add_tensor("output_norm.weight", DType::F32, {32}, pattern(128, 10));
  out["tiny_llama.gguf"] = llama.to_bytes();
  return out;
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(GgufCorpus, SeedFilesAreWhatTheWriterMakesAndParse) {
  const bool write = std::getenv("YAK_WRITE_GGUF_CORPUS") != nullptr;
  for (const auto& [name, bytes] : seeds()) {
    const std::string path = yak::test::source_path("tests/fuzz/corpus/gguf/" + name);
    if (write) {
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()));
    }
    EXPECT_LT(bytes.size(), 10u * 1024) << name;
    EXPECT_EQ(read_all(path), bytes)
        << path << " is missing or stale; see the comment at the top of " << __FILE__;
    EXPECT_NO_THROW(File::parse(bytes, name)) << name;
  }
}

}  // namespace
}  // namespace yak::gguf
