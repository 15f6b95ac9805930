// Pieces of the tokenizer on small hand-made inputs: UTF-8 helpers, the pre-tokenizer,
// the BPE and SentencePiece merge loops, special tokens, streaming, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "format/gguf_file.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/utf8.h"
#include "unit/test_paths.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

using tokenizer::PreTokenizer;

std::vector<std::string> split(const PreTokenizer& pre, std::string_view text) {
  std::vector<std::string_view> pieces, scratch;
  pre.split(text, pieces, scratch);
  return {pieces.begin(), pieces.end()};
}

TEST(TokenizerUtf8, CompletePrefixHoldsBackOnlyIncompleteCharacters) {
  EXPECT_EQ(tokenizer::utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(tokenizer::utf8_complete_prefix("a\xE4\xBD"), 1u);      // 你 without last byte
  EXPECT_EQ(tokenizer::utf8_complete_prefix("a\xE4\xBD\xA0"), 4u);  // 你
  EXPECT_EQ(tokenizer::utf8_complete_prefix("\xF0\x9F\x98"), 0u);   // 😀 without last byte
  EXPECT_EQ(tokenizer::utf8_complete_prefix("\xE4x"), 2u);          // never completes
  EXPECT_EQ(tokenizer::utf8_complete_prefix("\xFF"), 1u);
}

TEST(TokenizerUtf8, SanitizeReplacesInvalidBytes) {
  std::string out;
  tokenizer::append_sanitized(out, "a\xFF\xC0\x80z\xE4\xBD\xA0");
  EXPECT_EQ(out, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\xE4\xBD\xA0");
}

TEST(TokenizerUtf8, ByteCharMapIsGpt2s) {
  const auto& map = tokenizer::ByteCharMap::get();
  EXPECT_EQ(map.char_of(' '), "\xC4\xA0");   // Ġ
  EXPECT_EQ(map.char_of('\n'), "\xC4\x8A");  // Ċ
  EXPECT_EQ(map.char_of('A'), "A");
  std::string bytes;
  ASSERT_TRUE(map.decode("\xC4\xA0hi\xC4\x8A", bytes));
  EXPECT_EQ(bytes, " hi\n");
  EXPECT_FALSE(map.decode("\xE4\xBD\xA0", bytes));  // 你 is no byte character
}

TEST(TokenizerPre, Gpt2SplitsLikeHuggingFace) {
  const PreTokenizer pre("gpt-2");
  EXPECT_EQ(split(pre, "Hello  world's 123!!"),
            (std::vector<std::string>{"Hello", " ", " world", "'s", " 123", "!!"}));
  EXPECT_EQ(split(pre, "a\n\n b"), (std::vector<std::string>{"a", "\n\n", " b"}));
}

TEST(TokenizerPre, SmollmSplitsDigitsFirst) {
  const PreTokenizer pre("smollm");
  EXPECT_EQ(split(pre, "x 42"), (std::vector<std::string>{"x", " ", "4", "2"}));
}

TEST(TokenizerPre, Llama3KeepsUpToThreeDigits) {
  const PreTokenizer pre("llama-bpe");
  EXPECT_EQ(split(pre, "12345 I'M"), (std::vector<std::string>{"123", "45", " I", "'M"}));
}

TEST(TokenizerPre, InvalidUtf8StaysInPieces) {
  const PreTokenizer pre("gpt-2");
  std::string joined;
  for (const auto& piece : split(pre, "ab\xFF\xFE cd")) joined += piece;
  EXPECT_EQ(joined, "ab\xFF\xFE cd");
}

TEST(TokenizerPre, WhitespaceIsUnicodeWhiteSpace) {
  const std::string p = tokenizer::spell_out_whitespace(R"(\s+(?!\S)|[^\s\p{L}])");
  EXPECT_EQ(p.find("\\s"), std::string::npos);
  EXPECT_EQ(p.find("\\S"), std::string::npos);
  EXPECT_NE(p.find("\\x{85}"), std::string::npos);
  EXPECT_EQ(p.find("\\x{180E}"), std::string::npos);
}

TEST(TokenizerPre, UnknownNameIsAnError) { EXPECT_THROW(PreTokenizer("no-such-pre"), Error); }

// A byte-level vocabulary small enough to reason about by hand.
VocabSpec tiny_bpe() {
  VocabSpec spec;
  spec.model = "gpt2";
  spec.pre = "gpt-2";
  spec.tokens = {"a",
                 "b",
                 "c",
                 "ab",
                 "bc",
                 "abc",
                 "\xC4\xA0",
                 "\xC4\xA0"
                 "a",
                 "<|x|>",
                 "<u>"};
  spec.types = {1, 1, 1, 1, 1, 1, 1, 1, 3, 4};
  spec.merges = {"b c", "a b", "ab c", "\xC4\xA0 a"};
  spec.eos_id = 8;
  return spec;
}

TEST(TokenizerBpe, MergesByRank) {
  const Tokenizer tok = Tokenizer::from_spec(tiny_bpe());
  // "b c" ranks before "a b", so abc = a + bc, and "a bc" is no merge.
  EXPECT_EQ(tok.encode("abc", false), (std::vector<int32_t>{0, 4}));
  EXPECT_EQ(tok.encode("ab", false), (std::vector<int32_t>{3}));
  EXPECT_EQ(tok.encode(" a", false), (std::vector<int32_t>{7}));
  EXPECT_EQ(tok.decode(tok.encode("abc a", false)), "abc a");
}

TEST(TokenizerBpe, SpecialTokens) {
  const Tokenizer tok = Tokenizer::from_spec(tiny_bpe());
  // Control tokens only with parse_special; user-defined ones always.
  EXPECT_EQ(tok.encode("a<|x|>b", false, true), (std::vector<int32_t>{0, 8, 1}));
  EXPECT_EQ(tok.encode("a<u>b", false, false), (std::vector<int32_t>{0, 9, 1}));
  const auto plain = tok.encode("a<|x|>b", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 8), 0);
  EXPECT_TRUE(tok.is_end_of_generation(8));
  EXPECT_EQ(tok.decode(std::vector<int32_t>{0, 8, 1}, true), "ab");
  EXPECT_EQ(tok.decode(std::vector<int32_t>{0, 8, 1}, false), "a<|x|>b");
}

TEST(TokenizerBpe, SpecialTokensMatchLeftmostLongest) {
  VocabSpec spec = tiny_bpe();
  spec.tokens.push_back("<|x|><u>");
  spec.types.push_back(3);
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_EQ(tok.encode("<|x|><u>", false, true), (std::vector<int32_t>{10}));
  // Without parse_special the longer control token is not considered; <u> still is.
  const auto plain = tok.encode("<|x|><u>", false, false);
  ASSERT_FALSE(plain.empty());  // bytes missing from this tiny vocabulary are dropped
  EXPECT_EQ(plain.back(), 9);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 10), 0);
}

TEST(TokenizerBpe, AddSpecialFollowsFlags) {
  VocabSpec spec = tiny_bpe();
  spec.bos_id = 9;
  spec.add_bos = true;
  spec.add_eos = true;
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_EQ(tok.encode("ab", true), (std::vector<int32_t>{9, 3, 8}));
  EXPECT_EQ(tok.encode("ab", false), (std::vector<int32_t>{3}));
}

TEST(TokenizerSpec, BadSpecsAreErrors) {
  VocabSpec spec = tiny_bpe();
  spec.model = "bert";
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
  spec = tiny_bpe();
  spec.scores = {1.0f};
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
  spec = tiny_bpe();
  spec.eos_id = 100;
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
  spec = tiny_bpe();
  spec.types[0] = 9;
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
  spec = tiny_bpe();
  spec.merges = {"nospace"};
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
  spec = tiny_bpe();
  spec.add_bos = true;  // but no bos id
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
  spec = tiny_bpe();
  spec.tokens.clear();
  spec.types.clear();
  EXPECT_THROW(Tokenizer::from_spec(spec), Error);
}

TEST(TokenizerSpm, ScoresByteFallbackAndPrefix) {
  VocabSpec spec;
  spec.model = "llama";
  spec.tokens = {"<unk>",
                 "<s>",
                 "</s>",
                 "\xE2\x96\x81",
                 "a",
                 "b",
                 "ab",
                 "\xE2\x96\x81"
                 "a",
                 "<0xC3>",
                 "<0xA9>"};
  spec.scores = {0, 0, 0, -1, -2, -2, -3, -0.5f, 0, 0};
  spec.types = {2, 3, 3, 1, 1, 1, 1, 1, 6, 6};
  spec.bos_id = 1;
  spec.eos_id = 2;
  spec.unk_id = 0;
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_TRUE(tok.add_space_prefix());
  // "▁a" (score -0.5) beats "ab" (-3): ▁ab -> ▁a b.
  EXPECT_EQ(tok.encode("ab", true), (std::vector<int32_t>{1, 7, 5}));
  // é is not in the vocabulary: its two bytes come out as byte tokens.
  EXPECT_EQ(tok.encode("\xC3\xA9", false), (std::vector<int32_t>{3, 8, 9}));
  EXPECT_EQ(tok.decode(tok.encode("\xC3\xA9", true), /*skip_special=*/true), "\xC3\xA9");
  EXPECT_EQ(tok.decode(tok.encode("ab a", true), true), "ab a");
  // As Hugging Face: the prefix space is removed only at the very start of the text.
  EXPECT_EQ(tok.decode(tok.encode("ab a", true), false), "<s> ab a");
  EXPECT_TRUE(tok.encode("", false).empty());
  // Words are merged separately; a space after a one-byte character is a cut point.
  EXPECT_EQ(tok.encode("a ab  b", false), (std::vector<int32_t>{7, 7, 5, 3, 3, 5}));

  // A streaming decoder holds the first byte of é back until the second arrives.
  StreamDecoder stream(tok, false, /*strip_leading_space=*/true);
  EXPECT_EQ(stream.push(7), "a");
  EXPECT_EQ(stream.push(8), "");
  EXPECT_EQ(stream.push(9), "\xC3\xA9");
  EXPECT_EQ(stream.push(8), "");
  EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");  // an unfinished character at the end
  StreamDecoder continuing(tok);
  EXPECT_EQ(continuing.push(7), " a");
  EXPECT_EQ(continuing.push(1), "<s>");
  StreamDecoder skipping(tok, /*skip_special=*/true);
  EXPECT_EQ(skipping.push(1), "");
}

TEST(TokenizerSpm, NoSpacePrefix) {
  VocabSpec spec;
  spec.model = "llama";
  spec.tokens = {"<unk>", "\xE2\x96\x81", "a",
                 "\xE2\x96\x81"
                 "a"};
  spec.scores = {0, -1, -2, -0.5f};
  spec.unk_id = 0;
  spec.add_space_prefix = false;
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_EQ(tok.encode("a a", false), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(tok.decode(tok.encode(" a", false)), " a");
}

TEST(TokenizerGguf, Phi3EndOfGeneration) {
  const std::string path = test::shared_data_path("tokenizer/ggml-vocab-phi-3.gguf");
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing " << path;
  const Tokenizer tok = Tokenizer::from_gguf_path(path);
  EXPECT_EQ(tok.model(), Tokenizer::Model::kSentencePiece);
  const auto end = tok.find_token("<|end|>");
  ASSERT_TRUE(end.has_value());
  EXPECT_TRUE(tok.is_end_of_generation(*end));
  EXPECT_TRUE(tok.is_end_of_generation(32000));  // eos <|endoftext|>
  EXPECT_FALSE(tok.is_end_of_generation(1));     // <s>
  EXPECT_EQ(tok.encode("Hi", true).front(), 1);
}

TEST(TokenizerGguf, FileWithoutTokenizerIsAnError) {
  // A GGUF with metadata but no tokenizer keys.
  const std::vector<uint8_t> bytes = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0,
                                      0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0};
  const gguf::File file = gguf::File::parse(bytes, "empty.gguf");
  EXPECT_THROW(Tokenizer::from_gguf(file), Error);
}

TEST(TokenizerThreads, ConcurrentEncodeGivesSameIds) {
  const std::string path = test::shared_data_path("tokenizer/ggml-vocab-gpt-2.gguf");
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing " << path;
  const Tokenizer tok = Tokenizer::from_gguf_path(path);
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Hello world, 你好 " + std::to_string(i) + "\n";
  const auto expected = tok.encode(text, false);
  std::vector<std::vector<int32_t>> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) {
    threads.emplace_back([&tok, &text, &r] {
      for (int i = 0; i < 5; ++i) r = tok.encode(text, false);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

}  // namespace
}  // namespace yak
