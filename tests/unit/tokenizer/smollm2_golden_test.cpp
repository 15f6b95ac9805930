// SmolLM2 (the default model) against Hugging Face ids made by
// tools/golden/make_tokenizer_golden.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/utf8.h"
#include "unit/test_paths.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

struct GoldenRow {
  std::string text;
  std::vector<int32_t> ids;
};

std::vector<GoldenRow> load_golden() {
  const std::string path = test::source_path("tests/golden/tokenizer/smollm2.jsonl");
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing golden file " << path;
  std::vector<GoldenRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    rows.push_back({j.at("text").get<std::string>(), j.at("ids").get<std::vector<int32_t>>()});
  }
  return rows;
}

class SmolLM2Tokenizer : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = test::default_model_path();
    if (std::filesystem::exists(path)) tokenizer_ = new Tokenizer(Tokenizer::from_gguf_path(path));
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    tokenizer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(tokenizer_, nullptr)
        << "missing default model " << test::default_model_path() << " (run scripts/setup.sh)";
  }
  static Tokenizer* tokenizer_;
};

Tokenizer* SmolLM2Tokenizer::tokenizer_ = nullptr;

TEST_F(SmolLM2Tokenizer, MatchesHuggingFaceIds) {
  const auto rows = load_golden();
  ASSERT_GE(rows.size(), 300u);
  size_t failures = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto ids =
        tokenizer_->encode(rows[i].text, /*add_special=*/false, /*parse_special=*/true);
    EXPECT_EQ(ids, rows[i].ids) << "line " << i + 1 << ": \"" << rows[i].text << "\"";
    failures += ids != rows[i].ids;
  }
  EXPECT_EQ(failures, 0u);
}

TEST_F(SmolLM2Tokenizer, DecodeRoundTrips) {
  for (const GoldenRow& row : load_golden()) {
    EXPECT_EQ(tokenizer_->decode(row.ids), row.text);
  }
}

TEST_F(SmolLM2Tokenizer, StreamDecoderGivesCompleteCharacters) {
  for (const GoldenRow& row : load_golden()) {
    StreamDecoder stream(*tokenizer_);
    std::string joined;
    for (int32_t id : row.ids) {
      const std::string part = stream.push(id);
      // Every chunk is whole, valid UTF-8.
      std::string sanitized;
      tokenizer::append_sanitized(sanitized, part);
      ASSERT_EQ(sanitized, part) << "in \"" << row.text << "\"";
      joined += part;
    }
    joined += stream.flush();
    EXPECT_EQ(joined, row.text);
  }
}

TEST_F(SmolLM2Tokenizer, Metadata) {
  const Tokenizer& tok = *tokenizer_;
  EXPECT_EQ(tok.n_vocab(), 49152);
  EXPECT_EQ(tok.model(), Tokenizer::Model::kBytePairGpt2);
  EXPECT_EQ(tok.pre(), "smollm");
  EXPECT_EQ(tok.bos(), 1);
  EXPECT_EQ(tok.eos(), 2);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_EQ(tok.token_text(1), "<|im_start|>");
  EXPECT_EQ(tok.token_type(1), TokenType::kControl);
  EXPECT_TRUE(tok.is_end_of_generation(2));  // <|im_end|>
  EXPECT_TRUE(tok.is_end_of_generation(0));  // <|endoftext|>
  EXPECT_FALSE(tok.is_end_of_generation(1));
  EXPECT_FALSE(tok.is_end_of_generation(19556));
  EXPECT_EQ(tok.find_token("<|im_end|>"), 2);
  EXPECT_EQ(tok.find_token("no such token"), std::nullopt);
}

TEST_F(SmolLM2Tokenizer, SpecialTokensOnlyWhenAsked) {
  const Tokenizer& tok = *tokenizer_;
  const std::string text = "<|im_start|>user";
  const auto parsed = tok.encode(text, false, true);
  ASSERT_FALSE(parsed.empty());
  EXPECT_EQ(parsed.front(), 1);
  const auto plain = tok.encode(text, false, false);
  EXPECT_GT(plain.size(), parsed.size());
  EXPECT_EQ(std::find(plain.begin(), plain.end(), 1), plain.end());
  // Plain text decodes back even though it looks like a control token.
  EXPECT_EQ(tok.decode(plain), text);
  EXPECT_EQ(tok.decode(parsed, /*skip_special=*/true), "user");
  EXPECT_EQ(tok.token_to_piece(1), "<|im_start|>");
  EXPECT_EQ(tok.token_to_piece(1, /*skip_special=*/true), "");
}

TEST_F(SmolLM2Tokenizer, AddSpecialFollowsMetadata) {
  // SmolLM2 says add_bos_token = false, add_eos_token absent.
  EXPECT_EQ(tokenizer_->encode("Hi", true, false), tokenizer_->encode("Hi", false, false));
  EXPECT_TRUE(tokenizer_->encode("", true, false).empty());
}

TEST_F(SmolLM2Tokenizer, RejectsOutOfRangeIds) {
  EXPECT_THROW(tokenizer_->token_to_piece(-1), Error);
  EXPECT_THROW(tokenizer_->token_to_piece(49152), Error);
  const std::vector<int32_t> bad = {5, 49152};
  EXPECT_THROW(tokenizer_->decode(bad), Error);
}

}  // namespace
}  // namespace yak
