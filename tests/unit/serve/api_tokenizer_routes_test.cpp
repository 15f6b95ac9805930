// /tokenize, /detokenize and /tokenizer_info bodies, as vLLM and llama.cpp shape them.
#include <gtest/gtest.h>

#include "serve/routes/models_route.h"
#include "serve/routes/tokenizer_routes.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::api_error_of;
using test::body;

TEST(ApiTokenizerRoutes, TokenizeInVllmsShape) {
  YAK_NEED_TOKENIZER(tok);
  const Json j = tokenize_response(body(R"({"prompt": "Hello world"})"), tok, 2048);
  EXPECT_EQ(j["tokens"].get<std::vector<int32_t>>(), tok.encode("Hello world", true, true));
  EXPECT_EQ(j["count"], j["tokens"].size());
  EXPECT_EQ(j["max_model_len"], 2048);
}

TEST(ApiTokenizerRoutes, AddSpecialDefaultsFollowTheFieldName) {
  YAK_NEED_TOKENIZER(tok);
  EXPECT_EQ(
      tokenize_response(body(R"({"content": "x"})"), tok, 1)["tokens"].get<std::vector<int32_t>>(),
      tok.encode("x", false, true));
  EXPECT_EQ(
      tokenize_response(body(R"({"prompt": "x", "add_special_tokens": false})"), tok, 1)["tokens"]
          .get<std::vector<int32_t>>(),
      tok.encode("x", false, true));
  EXPECT_EQ(tokenize_response(body(R"({"content": "x", "add_special": true})"), tok, 1)["tokens"]
                .get<std::vector<int32_t>>(),
            tok.encode("x", true, true));
}

TEST(ApiTokenizerRoutes, ControlTokenTextGivesTheControlToken) {
  YAK_NEED_TOKENIZER(tok);
  const Json j =
      tokenize_response(body(R"({"prompt": "<|im_end|>", "add_special_tokens": false})"), tok, 1);
  EXPECT_EQ(j["tokens"], Json::array({*tok.find_token("<|im_end|>")}));
}

TEST(ApiTokenizerRoutes, DetokenizeRoundTrips) {
  YAK_NEED_TOKENIZER(tok);
  const std::vector<int32_t> ids = tok.encode("caf\xC3\xA9 ok", false);
  Json request = {{"tokens", ids}};
  EXPECT_EQ(detokenize_response(request, tok)["prompt"], "caf\xC3\xA9 ok");
  EXPECT_EQ(detokenize_response(body(R"({"tokens": []})"), tok)["prompt"], "");
}

TEST(ApiTokenizerRoutes, BadBodiesNameTheField) {
  YAK_NEED_TOKENIZER(tok);
  EXPECT_EQ(api_error_of([&] { tokenize_response(body("{}"), tok, 1); }).param(), "prompt");
  EXPECT_EQ(api_error_of([&] { tokenize_response(body(R"({"prompt": 1})"), tok, 1); }).param(),
            "prompt");
  EXPECT_EQ(api_error_of([&] {
              tokenize_response(body(R"({"prompt": "a", "add_special_tokens": 1})"), tok, 1);
            }).param(),
            "add_special_tokens");
  EXPECT_EQ(api_error_of([&] { detokenize_response(body("{}"), tok); }).param(), "tokens");
  EXPECT_EQ(api_error_of([&] { detokenize_response(body(R"({"tokens": "1"})"), tok); }).param(),
            "tokens");
  EXPECT_EQ(api_error_of([&] { detokenize_response(body(R"({"tokens": [1, -1]})"), tok); }).param(),
            "tokens[1]");
  EXPECT_EQ(
      api_error_of([&] { detokenize_response(body(R"({"tokens": [99999999]})"), tok); }).param(),
      "tokens[0]");
}

TEST(ApiTokenizerRoutes, TokenizerInfoHasWhatLmEvalReads) {
  YAK_NEED_TOKENIZER(tok);
  const Json j = tokenizer_info_response(tok, "{{ x }}", 4096);
  EXPECT_EQ(j["eos_token"], tok.token_to_piece(*tok.eos()));
  EXPECT_TRUE(j.contains("bos_token"));
  EXPECT_TRUE(j.contains("pad_token"));
  EXPECT_EQ(j["chat_template"], "{{ x }}");
  EXPECT_EQ(j["model_max_length"], 4096);
  EXPECT_EQ(j["vocab_size"], tok.n_vocab());
  EXPECT_TRUE(tokenizer_info_response(tok, "", 1)["chat_template"].is_null());
}

TEST(ApiTokenizerRoutes, ModelsList) {
  EXPECT_EQ(dump_json(models_response("smol", 1700000000, 4096)),
            R"({"object":"list","data":[{"id":"smol","object":"model","created":1700000000,)"
            R"("owned_by":"yak","max_model_len":4096}]})");
}

}  // namespace
}  // namespace yak::serve
