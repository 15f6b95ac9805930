// Completions requests: the four prompt forms, echo and logprobs, max_tokens 0, and what is
// refused.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai/completion_request.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::api_error_of;
using test::body;

RequestBounds bounds() {
  RequestBounds b = test::bounds_of(2048, 4, 100);
  b.limits.max_prompts = 3;
  return b;
}

CompletionsRequest parse(const char* text) {
  return parse_completions_request(body(text), bounds());
}

std::string refused_param(const char* text) {
  const ApiError e = api_error_of([&] { parse(text); });
  EXPECT_EQ(e.status(), 400) << text;
  return e.param();
}

TEST(ApiCompletionRequest, PromptAsAString) {
  const CompletionsRequest r = parse(R"({"prompt": "Once upon"})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_TRUE(r.prompts[0].is_text);
  EXPECT_EQ(r.prompts[0].text, "Once upon");
  EXPECT_EQ(r.params.options.max_new_tokens, 16);  // OpenAI's default for completions
  EXPECT_FALSE(r.echo);
  EXPECT_EQ(r.logprobs, -1);
  EXPECT_EQ(r.prompt_logprobs(), -1);
}

TEST(ApiCompletionRequest, PromptAsStrings) {
  const CompletionsRequest r = parse(R"({"prompt": ["a", "b"]})");
  ASSERT_EQ(r.prompts.size(), 2u);
  EXPECT_EQ(r.prompts[1].text, "b");
}

TEST(ApiCompletionRequest, PromptAsTokenIds) {
  const CompletionsRequest r = parse(R"({"prompt": [1, 2, 99]})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_FALSE(r.prompts[0].is_text);
  EXPECT_EQ(r.prompts[0].ids, (std::vector<int32_t>{1, 2, 99}));
}

TEST(ApiCompletionRequest, PromptAsIdLists) {
  const CompletionsRequest r = parse(R"({"prompt": [[1, 2], [3]]})");
  ASSERT_EQ(r.prompts.size(), 2u);
  EXPECT_EQ(r.prompts[1].ids, std::vector<int32_t>{3});
}

TEST(ApiCompletionRequest, BadPromptsNameTheirPlace) {
  EXPECT_EQ(refused_param(R"({})"), "prompt");
  EXPECT_EQ(refused_param(R"({"prompt": 5})"), "prompt");
  EXPECT_EQ(refused_param(R"({"prompt": {}})"), "prompt");
  EXPECT_EQ(refused_param(R"({"prompt": []})"), "prompt");
  EXPECT_EQ(refused_param(R"({"prompt": [true]})"), "prompt");
  EXPECT_EQ(refused_param(R"({"prompt": [1, 100]})"), "prompt[1]");  // outside the vocabulary
  EXPECT_EQ(refused_param(R"({"prompt": [1, -1]})"), "prompt[1]");
  EXPECT_EQ(refused_param(R"({"prompt": [1, "a"]})"), "prompt[1]");
  EXPECT_EQ(refused_param(R"({"prompt": ["a", 1]})"), "prompt[1]");
  EXPECT_EQ(refused_param(R"({"prompt": [[1], "a"]})"), "prompt[1]");
  EXPECT_EQ(refused_param(R"({"prompt": [[1], []]})"), "prompt[1]");
  EXPECT_EQ(refused_param(R"({"prompt": [[1], [2, 1.5]]})"), "prompt[1][1]");
  EXPECT_EQ(refused_param(R"({"prompt": ["a", "b", "c", "d"]})"), "prompt");  // max_prompts
}

TEST(ApiCompletionRequest, EchoWithLogprobsAsksForPromptLogprobs) {
  const CompletionsRequest r =
      parse(R"({"prompt": [[1, 2, 3]], "echo": true, "logprobs": 1, "max_tokens": 0})");
  EXPECT_TRUE(r.echo);
  EXPECT_EQ(r.logprobs, 1);
  EXPECT_EQ(r.params.options.top_logprobs, 1);
  EXPECT_EQ(r.prompt_logprobs(), 1);
  EXPECT_EQ(r.params.options.max_new_tokens, 0);
  EXPECT_EQ(parse(R"({"prompt": "a", "echo": true})").prompt_logprobs(), -1);
  EXPECT_EQ(parse(R"({"prompt": "a", "logprobs": 0})").prompt_logprobs(), -1);
}

TEST(ApiCompletionRequest, LogprobsIsACount) {
  EXPECT_EQ(parse(R"({"prompt": "a", "logprobs": 20})").logprobs, 20);
  EXPECT_EQ(refused_param(R"({"prompt": "a", "logprobs": 21})"), "logprobs");
  EXPECT_EQ(refused_param(R"({"prompt": "a", "logprobs": true})"), "logprobs");
  EXPECT_EQ(refused_param(R"({"prompt": "a", "logprobs": -1})"), "logprobs");
  EXPECT_EQ(refused_param(R"({"prompt": "a", "echo": "yes"})"), "echo");
}

TEST(ApiCompletionRequest, SuffixAndBestOfAreNotSupportedYet) {
  EXPECT_EQ(refused_param(R"({"prompt": "a", "suffix": "z"})"), "suffix");
  EXPECT_EQ(refused_param(R"({"prompt": "a", "best_of": 3})"), "best_of");
  EXPECT_NO_THROW(parse(R"({"prompt": "a", "suffix": "", "best_of": 2, "n": 2})"));
}

TEST(ApiCompletionRequest, TextPromptsGetTheModelsSpecialTokens) {
  YAK_NEED_TOKENIZER(tok);
  const PromptInput text{.is_text = true, .text = "Hello<|im_end|>", .ids = {}};
  const std::vector<int32_t> ids = completion_prompt_tokens(tok, text, 0);
  EXPECT_EQ(ids, tok.encode("Hello<|im_end|>", true, true));
  EXPECT_EQ(ids.back(), *tok.find_token("<|im_end|>"));
  const PromptInput given{.is_text = false, .text = {}, .ids = {5, 6}};
  EXPECT_EQ(completion_prompt_tokens(tok, given, 0), (std::vector<int32_t>{5, 6}));
}

TEST(ApiCompletionRequest, EmptyTextPromptIs400) {
  YAK_NEED_TOKENIZER(tok);
  if (tok.add_bos()) GTEST_SKIP() << "the default model adds BOS, so no prompt is empty";
  const PromptInput empty{.is_text = true, .text = "", .ids = {}};
  EXPECT_EQ(api_error_of([&] { completion_prompt_tokens(tok, empty, 2); }).param(), "prompt[2]");
}

}  // namespace
}  // namespace yak::serve
