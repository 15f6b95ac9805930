// Vocabulary metadata that cannot be right is refused with a message naming the GGUF key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "yak/error.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

// A SentencePiece vocabulary: <unk>, <s>, </s>, the 256 byte tokens, and a word.
VocabSpec spm_spec() {
  VocabSpec spec;
  spec.model = "llama";
  spec.name = "test";
  spec.tokens = {"<unk>", "<s>", "</s>"};
  spec.types = {2, 3, 3};
  char name[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    spec.tokens.push_back(name);
    spec.types.push_back(6);
  }
  spec.tokens.push_back("\xe2\x96\x81hi");
  spec.types.push_back(1);
  spec.bos_id = 1;
  spec.eos_id = 2;
  return spec;
}

std::string error_of(VocabSpec spec) {
  try {
    Tokenizer::from_spec(std::move(spec));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(VocabValidation, ByteTokensDecodeToTheirByte) {
  const Tokenizer t = Tokenizer::from_spec(spm_spec());
  EXPECT_EQ(t.token_to_piece(3 + 0x41), "A");
  EXPECT_EQ(t.token_to_piece(3 + 0xff), "\xff");
}

// "<0xZZ>" used to escape as std::invalid_argument from std::stoi ("internal error: stoi").
TEST(VocabValidation, ByteTokenThatIsNotHexIsRefused) {
  for (const char* text : {"<0xZZ>", "<0x4>", "<0x4G>", "byte", "<0x+1>", "<0x 1>"}) {
    VocabSpec spec = spm_spec();
    spec.tokens[3 + 0x41] = text;
    const std::string message = error_of(spec);
    EXPECT_NE(message.find("token 68"), std::string::npos) << text << ": " << message;
    EXPECT_NE(message.find("has type BYTE but is not of the form <0xNN>"), std::string::npos)
        << text << ": " << message;
  }
}

TEST(VocabValidation, MessagesNameTheKeys) {
  VocabSpec scores = spm_spec();
  scores.scores = {1.0f};
  EXPECT_NE(error_of(scores).find("tokenizer.ggml.scores"), std::string::npos);
  VocabSpec types = spm_spec();
  types.types[5] = 9;
  EXPECT_NE(error_of(types).find("tokenizer.ggml.token_type"), std::string::npos);
  VocabSpec bos = spm_spec();
  bos.bos_id = 100000;
  EXPECT_NE(error_of(bos).find("tokenizer.ggml.bos_token_id = 100000"), std::string::npos);
  VocabSpec model = spm_spec();
  model.model = "bert\x1b";
  EXPECT_NE(error_of(model).find("tokenizer.ggml.model \"bert\\x1b\""), std::string::npos);
  VocabSpec empty = spm_spec();
  empty.tokens.clear();
  empty.types.clear();
  EXPECT_NE(error_of(empty).find("tokenizer.ggml.tokens"), std::string::npos);
}

}  // namespace
}  // namespace yak
