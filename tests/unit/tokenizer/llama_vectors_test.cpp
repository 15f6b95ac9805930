// llama.cpp's tokenizer test vectors (expected ids made with the Hugging Face tokenizers)
// for every vocabulary file in shared/data/tokenizer whose model is gpt2 or llama.
// bert-bge is left out on purpose: it is a WordPiece ("bert") tokenizer, out of scope.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "format/gguf_file.h"
#include "unit/test_paths.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Vectors {
  std::vector<std::string> inputs;
  std::vector<std::vector<int32_t>> expected;
};

Vectors load_vectors(const std::string& base) {
  Vectors v;
  const std::string inp = read_file(base + ".inp");
  const std::string out = read_file(base + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  size_t pos = 0;
  while (pos <= inp.size()) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) {
      if (pos < inp.size()) v.inputs.push_back(inp.substr(pos));
      break;
    }
    v.inputs.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream ids(line);
    std::vector<int32_t> row;
    int32_t id = 0;
    while (ids >> id) row.push_back(id);
    v.expected.push_back(row);
  }
  return v;
}

void check_vectors(const std::string& base, const std::string& vocab_path) {
  ASSERT_TRUE(std::filesystem::exists(vocab_path)) << "missing vocabulary file " << vocab_path;
  ASSERT_TRUE(std::filesystem::exists(base + ".inp")) << "missing " << base << ".inp";
  ASSERT_TRUE(std::filesystem::exists(base + ".out")) << "missing " << base << ".out";
  const Vectors v = load_vectors(base);
  ASSERT_GT(v.inputs.size(), 20u);
  ASSERT_EQ(v.inputs.size(), v.expected.size()) << base;

  const Tokenizer tok = Tokenizer::from_gguf(gguf::File::open(vocab_path));
  size_t failures = 0;
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    const std::vector<int32_t> ids = tok.encode(v.inputs[i], /*add_special=*/false,
                                                /*parse_special=*/false);
    EXPECT_EQ(ids, v.expected[i]) << "input " << i << ": \"" << v.inputs[i] << "\"";
    failures += ids != v.expected[i];
  }
  EXPECT_EQ(failures, 0u);
}

class LlamaVectors : public testing::TestWithParam<const char*> {};

TEST_P(LlamaVectors, MatchExpectedIds) {
  const std::string base =
      test::shared_data_path(std::string("tokenizer/ggml-vocab-") + GetParam() + ".gguf");
  check_vectors(base, base);
}

// The qwen2 vectors have no vocabulary file in shared/data (it is over 4 MiB); Qwen2.5's
// GGUF, which scripts/setup.sh installs, carries the same tokenizer.
TEST(TokenizerVectors, Qwen2MatchesExpectedIds) {
  check_vectors(test::shared_data_path("tokenizer/ggml-vocab-qwen2.gguf"),
                test::model_path("qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"));
}

// Decoding gives back the text for every vector input that round-trips in HF as well
// (SentencePiece vocabularies lose nothing; byte-level ones are lossless by design).
TEST_P(LlamaVectors, DecodeRoundTrip) {
  const std::string base =
      test::shared_data_path(std::string("tokenizer/ggml-vocab-") + GetParam() + ".gguf");
  ASSERT_TRUE(std::filesystem::exists(base)) << "missing vocabulary file " << base;
  const Vectors v = load_vectors(base);
  const Tokenizer tok = Tokenizer::from_gguf(gguf::File::open(base));
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    const std::vector<int32_t> ids = tok.encode(v.inputs[i], false, false);
    EXPECT_EQ(tok.decode(ids), v.inputs[i]) << "input " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, LlamaVectors,
                         testing::Values("deepseek-coder", "deepseek-llm", "falcon", "gpt-2",
                                         "llama-spm", "mpt", "phi-3", "refact", "starcoder"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace yak
