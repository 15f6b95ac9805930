// Completions responses: text_completion objects, choice order over prompts and n, echo with
// the prompt's log-probabilities (first null), max_tokens 0, and streamed pieces.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "serve/openai/completion_response.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::piece;

ResponseMeta meta() { return {"cmpl-xyz", 1700000000, "smol", "fp_yak"}; }

RequestUpdate update(std::vector<ChoiceUpdate> choices, int32_t prompt_tokens,
                     int32_t completion_tokens) {
  RequestUpdate u;
  u.choices = std::move(choices);
  u.prompt_tokens = prompt_tokens;
  u.completion_tokens = completion_tokens;
  return u;
}

TEST(ApiCompletionResponse, WholeResponseHasOpenAIsShape) {
  YAK_NEED_TOKENIZER(tok);
  CompletionsResponse r(tok, meta(), {{{1, 2}, "ab"}}, {.n = 1});
  r.add(0, update({piece(0, " there", {3, 4}, StopReason::kMaxTokens)}, 2, 2));
  EXPECT_EQ(dump_json(r.to_json()),
            R"({"id":"cmpl-xyz","object":"text_completion","created":1700000000,)"
            R"("model":"smol","system_fingerprint":"fp_yak","choices":[{"text":" there",)"
            R"("index":0,"logprobs":null,"finish_reason":"length"}],"usage":)"
            R"({"prompt_tokens":2,"completion_tokens":2,"total_tokens":4,)"
            R"("prompt_tokens_details":{"cached_tokens":0}}})");
}

TEST(ApiCompletionResponse, ChoicesAreOrderedPromptMajorAndUsageAddsUp) {
  YAK_NEED_TOKENIZER(tok);
  CompletionsResponse r(tok, meta(), {{{1}, "a"}, {{2, 3}, "bc"}}, {.n = 2});
  // Updates of the two prompts arrive interleaved, as the engine runs them together.
  r.add(1, update({piece(1, "B1", {5}, StopReason::kEndOfGeneration)}, 2, 1));
  r.add(0, update({piece(0, "A0", {5}, StopReason::kMaxTokens),
                   piece(1, "A1", {5}, StopReason::kStopString)},
                  1, 2));
  r.add(1, update({piece(0, "B0", {5}, StopReason::kMaxTokens)}, 2, 2));
  const Json j = r.to_json();
  ASSERT_EQ(j["choices"].size(), 4u);
  const std::vector<std::string> texts = {"A0", "A1", "B0", "B1"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(j["choices"][i]["index"], i);
    EXPECT_EQ(j["choices"][i]["text"], texts[i]);
  }
  EXPECT_EQ(j["choices"][1]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(j["usage"]["completion_tokens"], 4);
}

TEST(ApiCompletionResponse, EchoWithLogprobsLeadsWithThePromptAndANullFirst) {
  YAK_NEED_TOKENIZER(tok);
  const std::vector<int32_t> prompt = tok.encode("The cat", false);
  ASSERT_EQ(prompt.size(), 2u);
  const int32_t sat = tok.encode(" sat", false)[0];
  const int32_t dog = tok.encode(" dog", false)[0];
  CompletionsResponse r(tok, meta(), {{prompt, "The cat"}}, {.n = 1, .echo = true, .logprobs = 1});
  RequestUpdate u = update({piece(0, " sat", {sat}, StopReason::kMaxTokens)}, 2, 1);
  u.prompt_logprobs = {std::nullopt, Logprobs{{prompt[1], -2.0f}, {{dog, -1.0f}}}};
  u.choices[0].logprobs.push_back(Logprobs{{sat, -0.5f}, {{sat, -0.5f}}});
  r.add(0, u);
  const Json j = r.to_json();
  EXPECT_EQ(j["choices"][0]["text"], "The cat sat");
  // The chosen token joins its alternatives (k + 1 at most), as OpenAI does.
  EXPECT_EQ(dump_json(j["choices"][0]["logprobs"]),
            R"({"tokens":["The"," cat"," sat"],"token_logprobs":[null,-2.0,-0.5],)"
            R"("top_logprobs":[null,{" dog":-1.0," cat":-2.0},{" sat":-0.5}],)"
            R"("text_offset":[0,3,7]})");
}

TEST(ApiCompletionResponse, MaxTokensZeroWithEchoGivesThePromptAlone) {
  YAK_NEED_TOKENIZER(tok);
  const std::vector<int32_t> prompt = tok.encode("Yes no", false);
  CompletionsResponse r(tok, meta(), {{prompt, "Yes no"}}, {.n = 1, .echo = true, .logprobs = 0});
  RequestUpdate u = update({piece(0, "", {}, StopReason::kMaxTokens)}, 2, 0);
  u.prompt_logprobs = {std::nullopt, Logprobs{{prompt[1], -3.0f}, {}}};
  r.add(0, u);
  const Json j = r.to_json();
  EXPECT_EQ(j["choices"][0]["text"], "Yes no");
  EXPECT_EQ(j["choices"][0]["logprobs"]["token_logprobs"], Json::parse("[null, -3.0]"));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 0);
}

TEST(ApiCompletionResponse, EchoWithoutLogprobsRepeatsThePromptText) {
  YAK_NEED_TOKENIZER(tok);
  CompletionsResponse r(tok, meta(), {{{1, 2}, "given text"}}, {.n = 2, .echo = true});
  r.add(0, update({piece(0, "!", {9}, StopReason::kMaxTokens),
                   piece(1, "?", {9}, StopReason::kMaxTokens)},
                  2, 2));
  const Json j = r.to_json();
  EXPECT_EQ(j["choices"][0]["text"], "given text!");
  EXPECT_EQ(j["choices"][1]["text"], "given text?");
  EXPECT_TRUE(j["choices"][0]["logprobs"].is_null());
}

TEST(ApiCompletionResponse, LogprobInfinityBecomesOpenAIsFloor) {
  YAK_NEED_TOKENIZER(tok);
  const int32_t a = tok.encode("a", false)[0];
  CompletionsResponse r(tok, meta(), {{{1}, "x"}}, {.n = 1, .logprobs = 0});
  RequestUpdate u = update({piece(0, "a", {a}, StopReason::kMaxTokens)}, 1, 1);
  u.choices[0].logprobs.push_back(Logprobs{{a, -INFINITY}, {}});
  r.add(0, u);
  EXPECT_EQ(r.to_json()["choices"][0]["logprobs"]["token_logprobs"][0], -9999.0);
}

TEST(ApiCompletionResponse, StreamSendsPiecesWithFinishOnTheLast) {
  YAK_NEED_TOKENIZER(tok);
  CompletionsStream s(tok, meta(), {{{1, 2}, "ab"}}, {.n = 1, .echo = true}, true);
  std::vector<Json> chunks = s.add(0, update({piece(0, "c", {3})}, 2, 1));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(dump_json(chunks[0]),
            R"({"id":"cmpl-xyz","object":"text_completion","created":1700000000,)"
            R"("model":"smol","system_fingerprint":"fp_yak","choices":[{"text":"abc",)"
            R"("index":0,"logprobs":null,"finish_reason":null}],"usage":null})");
  EXPECT_TRUE(s.add(0, update({piece(0, "", {4})}, 2, 2)).empty());
  chunks = s.add(0, update({piece(0, "d", {5}, StopReason::kStopString)}, 2, 3));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]["choices"][0]["text"], "d");
  EXPECT_EQ(chunks[0]["choices"][0]["finish_reason"], "stop");
  chunks = s.end();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0]["choices"].empty());
  EXPECT_EQ(chunks[0]["usage"]["total_tokens"], 5);
}

TEST(ApiCompletionResponse, StreamLogprobsOffsetsContinueAcrossChunks) {
  YAK_NEED_TOKENIZER(tok);
  const int32_t a = tok.encode("ab", false)[0];
  CompletionsStream s(tok, meta(), {{{1}, "x"}}, {.n = 1, .logprobs = 0}, false);
  for (int i = 0; i < 2; ++i) {
    RequestUpdate u = update({piece(0, tok.token_to_piece(a), {a})}, 1, i + 1);
    u.choices[0].logprobs.push_back(Logprobs{{a, -1.0f}, {}});
    const std::vector<Json> chunks = s.add(0, u);
    ASSERT_EQ(chunks.size(), 1u);
    const size_t expected = i * tok.token_to_piece(a).size();
    EXPECT_EQ(chunks[0]["choices"][0]["logprobs"]["text_offset"][0], expected);
  }
  const std::vector<Json> last = s.end();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(last[0]["choices"][0]["logprobs"].is_null());
}

}  // namespace
}  // namespace yak::serve
