// Hyperparameters and vocabulary checks at load: each bad value is refused with a message
// that names the key and the value (or both sizes that disagree), checked in an order that
// blames the key that is actually wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "format/gguf_file.h"
#include "unit/model/tiny_model.h"
#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"

namespace yak {
namespace {

using gguf::Value;

class ConfigValidation : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string source = test::default_model_path();
    if (!std::filesystem::exists(source)) GTEST_SKIP() << "missing " << source;
    const gguf::File file = gguf::File::open(source);
    base_ = test::tiny_metadata(file);
    n_vocab_ = file.require_tensor("token_embd.weight").shape[1];
    path_ = test::scratch_path("config_validation");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  test::Metadata with(const std::string& key, const Value& value) const {
    test::Metadata m = base_;
    for (auto& [k, v] : m)
      if (k == key) return v = value, m;
    m.emplace_back(key, value);
    return m;
  }
  // The message Model::load fails with; "" when it loads.
  std::string load_error(const test::Metadata& m, int64_t n_vocab = 0, int64_t output_rows = 0) {
    test::write_tiny_model(m, n_vocab > 0 ? n_vocab : n_vocab_, path_, output_rows);
    try {
      Model::load(path_, {.precision = Precision::kExact});
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  test::Metadata base_;
  int64_t n_vocab_ = 0;
  std::string path_;
};

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

TEST_F(ConfigValidation, TinyModelLoads) { EXPECT_EQ(load_error(base_), ""); }

TEST_F(ConfigValidation, EmbeddingLengthNotAMultipleOfHeadCount) {
  // Was reported as "rope.dimension_count 143 is odd".
  EXPECT_CONTAINS(
      load_error(with("llama.embedding_length", Value::u32(575))),
      "llama.embedding_length = 575 is not a multiple of llama.attention.head_count = 4");
}

TEST_F(ConfigValidation, HeadDimension) {
  // An odd head dimension is rotated in pairs only in part: rope.dimension_count must say so.
  test::Metadata m = with("llama.embedding_length", Value::u32(36));
  std::erase_if(m, [](const auto& kv) { return kv.first == "llama.rope.dimension_count"; });
  EXPECT_CONTAINS(load_error(m),
                  "the head dimension llama.embedding_length / llama.attention.head_count = 36 / "
                  "4 = 9 is odd, and without llama.rope.dimension_count");
  EXPECT_CONTAINS(load_error(with("llama.embedding_length", Value::u32(4))),
                  "the head dimension llama.embedding_length / llama.attention.head_count = 4 / 4 "
                  "= 1 is out of range [2, 4096]");
  EXPECT_CONTAINS(load_error(with("llama.rope.dimension_count", Value::u32(7))),
                  "llama.rope.dimension_count = 7 is odd");
  EXPECT_CONTAINS(load_error(with("llama.rope.dimension_count", Value::u32(18))),
                  "llama.rope.dimension_count = 18 is out of range [2, 16]");
  EXPECT_CONTAINS(load_error(with("llama.attention.value_length", Value::u32(8))),
                  "llama.attention.value_length = 8 differs from the head dimension "
                  "llama.embedding_length / llama.attention.head_count = 64 / 4 = 16");
}

// The keys of the newer families: a per-layer window pattern that does not cover the layers,
// and expert counts that contradict each other, are refused by name.
TEST_F(ConfigValidation, WindowPatternAndExpertCounts) {
  test::Metadata m = with("llama.attention.sliding_window", Value::u32(4));
  EXPECT_EQ(load_error(m), "");
  m.emplace_back("llama.attention.sliding_window_pattern",
                 Value::array(gguf::ValueType::BOOL, {Value::boolean(true), Value::boolean(false)}));
  EXPECT_CONTAINS(load_error(m), "llama.attention.sliding_window_pattern has 2 entries for 1 layers");
  m = with("llama.expert_count", Value::u32(4));
  m.emplace_back("llama.expert_used_count", Value::u32(5));
  EXPECT_CONTAINS(load_error(m), "llama.expert_used_count = 5 is out of range [1, 4]");
}

TEST_F(ConfigValidation, HeadCountNotAMultipleOfKvHeads) {
  EXPECT_CONTAINS(
      load_error(with("llama.attention.head_count_kv", Value::u32(3))),
      "llama.attention.head_count = 4 is not a multiple of llama.attention.head_count_kv = 3");
}

TEST_F(ConfigValidation, FloatHyperparametersMustBeFiniteAndInRange) {
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    const char* key;
    Value value;
    const char* message;
  };
  const Case cases[] = {
      {"llama.rope.freq_base", Value::f32(inf),
       "llama.rope.freq_base = inf is not a finite number"},
      {"llama.rope.freq_base", Value::f32(-inf),
       "llama.rope.freq_base = -inf is not a finite number"},
      {"llama.rope.freq_base", Value::f32(std::nanf("")),
       "llama.rope.freq_base = nan is not a finite"},
      {"llama.rope.freq_base", Value::f32(0), "llama.rope.freq_base = 0 is out of range (1, "},
      {"llama.rope.freq_base", Value::f32(-5), "llama.rope.freq_base = -5 is out of range"},
      {"llama.rope.freq_base", Value::f64(1e300), "llama.rope.freq_base = 1e+300 is out of range"},
      {"llama.attention.layer_norm_rms_epsilon", Value::f32(inf),
       "llama.attention.layer_norm_rms_epsilon = inf is not a finite number"},
      {"llama.attention.layer_norm_rms_epsilon", Value::f32(0),
       "llama.attention.layer_norm_rms_epsilon = 0 is out of range (0, 1]"},
      {"llama.attention.layer_norm_rms_epsilon", Value::string("x"),
       "llama.attention.layer_norm_rms_epsilon: expected a number, got a STRING"},
      {"llama.rope.scale_linear", Value::f32(std::nanf("")),
       "llama.rope.scale_linear = nan is not a finite number"},
      {"llama.rope.scale_linear", Value::f32(0.5f),
       "llama.rope.scale_linear = 0.5 is out of range [1, 1024]"},
  };
  for (const Case& c : cases) EXPECT_CONTAINS(load_error(with(c.key, c.value)), c.message);

  test::Metadata linear = with("llama.rope.scaling.type", Value::string("linear"));
  linear.emplace_back("llama.rope.scaling.factor", Value::f32(inf));
  EXPECT_CONTAINS(load_error(linear), "llama.rope.scaling.factor = inf is not a finite number");
  EXPECT_CONTAINS(load_error(with("llama.rope.scaling.type", Value::string("yarn"))),
                  "llama.rope.scaling.type = 'yarn' is not supported");
}

TEST_F(ConfigValidation, DeclaredVocabSizeMustMatchTheEmbedding) {
  EXPECT_CONTAINS(load_error(with("llama.vocab_size", Value::u32(100))),
                  "llama.vocab_size = 100 but token_embd.weight has 49152 rows");
}

// A vocabulary smaller than the embedding used to load, then fail mid-reply with "token id
// N is outside the vocabulary".
TEST_F(ConfigValidation, VocabularyMustHaveOneTokenPerEmbeddingRow) {
  test::Metadata m = base_;
  for (auto& [k, v] : m) {
    if (k != "tokenizer.ggml.tokens" && k != "tokenizer.ggml.token_type") continue;
    std::vector<Value> items = v.as_array().items;
    items.resize(items.size() - 10);
    v = Value::array(v.as_array().element_type, std::move(items));
  }
  EXPECT_CONTAINS(load_error(m),
                  "the tokenizer has 49142 tokens (tokenizer.ggml.tokens) but token_embd.weight "
                  "has 49152 rows");
  // And a larger one (the declared vocab_size agrees with the smaller embedding here).
  EXPECT_CONTAINS(load_error(with("llama.vocab_size", Value::u32(49140)), 49140),
                  "the tokenizer has 49152 tokens (tokenizer.ggml.tokens) but token_embd.weight "
                  "has 49140 rows");
}

TEST_F(ConfigValidation, OutputRowsMustMatchTheVocabulary) {
  EXPECT_EQ(load_error(base_, 0, n_vocab_), "");
  EXPECT_CONTAINS(load_error(base_, 0, n_vocab_ + 32),
                  "the tokenizer has 49152 tokens (tokenizer.ggml.tokens) but output.weight has "
                  "49184 rows");
}

TEST_F(ConfigValidation, UnsupportedArchitectureNamesTheKeyEscaped) {
  EXPECT_CONTAINS(load_error(with("general.architecture", Value::string("gpt\x1b[2J"))),
                  "architecture 'gpt\\x1b[2J' is not supported (general.architecture;");
}

}  // namespace
}  // namespace yak
