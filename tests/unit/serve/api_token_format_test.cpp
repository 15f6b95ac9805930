// How tokens and log-probabilities are written: pieces of characters, bytes, -inf, and the
// shortest float forms.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "serve/openai/logprobs_json.h"
#include "serve/openai/response_common.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

TEST(ApiTokenFormat, ValidUtf8PiecesShowAsTheyAre) {
  EXPECT_EQ(token_display(" caf\xC3\xA9"), " caf\xC3\xA9");
  EXPECT_EQ(token_display("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(ApiTokenFormat, PiecesOfACharacterShowAsEscapedBytes) {
  EXPECT_EQ(token_display("\xE2\x82"), "\\xe2\\x82");
  EXPECT_EQ(token_display("a\xFFz"), "a\\xffz");
  EXPECT_EQ(dump_json(token_bytes("\xE2\x82")), "[226,130]");
  EXPECT_EQ(dump_json(token_bytes("Hi")), "[72,105]");
}

TEST(ApiTokenFormat, LogprobsUseTheFloatsShortestForm) {
  EXPECT_EQ(dump_json(Json(logprob_json(-0.1f))), "-0.1");
  EXPECT_EQ(dump_json(Json(logprob_json(-1.0f))), "-1.0");
  EXPECT_EQ(logprob_json(-INFINITY), -9999.0);
  EXPECT_EQ(logprob_json(NAN), -9999.0);
}

TEST(ApiTokenFormat, Utf8LengthCountsCharacters) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("caf\xC3\xA9"), 4u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80!"), 2u);
}

TEST(ApiTokenFormat, SplitCharacterTokensCarryExactBytesInChatLogprobs) {
  YAK_NEED_TOKENIZER(tok);
  // GPT-2 byte-level vocabularies spell byte 0xE2 as U+00E2.
  const std::optional<int32_t> byte_e2 = tok.find_token("\xC3\xA2");
  if (!byte_e2) GTEST_SKIP() << "the default vocabulary has no single-byte token for 0xE2";
  const Json entry = chat_logprob_entry(tok, Logprobs{{*byte_e2, -0.5f}, {{*byte_e2, -0.5f}}});
  EXPECT_EQ(entry["token"], "\\xe2");
  EXPECT_EQ(entry["bytes"], Json::parse("[226]"));
  EXPECT_EQ(entry["top_logprobs"][0]["bytes"], Json::parse("[226]"));
  EXPECT_NO_THROW(entry.dump());  // valid UTF-8 throughout
}

TEST(ApiTokenFormat, CompletionLogprobsStartWithNullForAPromptsFirstToken) {
  YAK_NEED_TOKENIZER(tok);
  const int32_t a = tok.encode("a", false)[0];
  CompletionLogprobs lp;
  lp.add(tok, a, nullptr);
  const Logprobs second{{a, -2.0f}, {{a, -2.0f}}};
  lp.add(tok, a, &second);
  const Json j = lp.take();
  EXPECT_EQ(dump_json(j), R"({"tokens":["a","a"],"token_logprobs":[null,-2.0],)"
                          R"("top_logprobs":[null,{"a":-2.0}],"text_offset":[0,1]})");
  EXPECT_TRUE(lp.empty());
}

}  // namespace
}  // namespace yak::serve
