// Chat responses from scheduler updates: the chat.completion object, the chunk sequence of a
// stream (role first, content deltas, finish, usage), logprobs, and text passed through whole.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "serve/openai/chat_response.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::piece;

ResponseMeta meta() { return {"chatcmpl-abc", 1700000000, "smol", "fp_yak"}; }

RequestUpdate update(std::vector<ChoiceUpdate> choices, int32_t completion_tokens,
                     bool first = false) {
  RequestUpdate u;
  u.choices = std::move(choices);
  u.prompt_tokens = 10;
  u.cached_tokens = 4;
  u.completion_tokens = completion_tokens;
  u.first = first;
  return u;
}

std::vector<std::string> dumped(const std::vector<Json>& chunks) {
  std::vector<std::string> out;
  for (const Json& c : chunks) out.push_back(dump_json(c));
  return out;
}

TEST(ApiChatResponse, WholeResponseHasOpenAIsShape) {
  YAK_NEED_TOKENIZER(tok);
  ChatResponse r(tok, meta(), 1, false, 10);
  r.add(update({piece(0, "Hel", {1})}, 1, true));
  r.add(update({piece(0, "lo", {2, 3}, StopReason::kEndOfGeneration)}, 3));
  EXPECT_EQ(dump_json(r.to_json()),
            R"({"id":"chatcmpl-abc","object":"chat.completion","created":1700000000,)"
            R"("model":"smol","system_fingerprint":"fp_yak","choices":[{"index":0,)"
            R"("message":{"role":"assistant","content":"Hello"},"logprobs":null,)"
            R"("finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":3,)"
            R"("total_tokens":13,"prompt_tokens_details":{"cached_tokens":4}}})");
}

TEST(ApiChatResponse, FinishReasons) {
  YAK_NEED_TOKENIZER(tok);
  ChatResponse r(tok, meta(), 4, false, 10);
  r.add(update(
      {piece(0, "a", {1}, StopReason::kStopString), piece(1, "b", {1}, StopReason::kMaxTokens),
       piece(2, "c", {1}, StopReason::kContextFull)},
      3, true));
  const Json j = r.to_json();
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["choices"][1]["finish_reason"], "length");
  EXPECT_EQ(j["choices"][2]["finish_reason"], "length");
  EXPECT_EQ(j["choices"][3]["finish_reason"], "length");  // cut short by the server
  EXPECT_EQ(j["choices"][3]["index"], 3);
}

TEST(ApiChatResponse, LogprobsContentEntries) {
  YAK_NEED_TOKENIZER(tok);
  const int32_t hello = tok.encode("Hello", false)[0];
  const int32_t hi = tok.encode("Hi", false)[0];
  ChatResponse r(tok, meta(), 1, true, 10);
  ChoiceUpdate c = piece(0, "Hello", {hello}, StopReason::kMaxTokens);
  c.logprobs.push_back(Logprobs{{hello, -0.25f}, {{hello, -0.25f}, {hi, -1.5f}}});
  r.add(update({c}, 1, true));
  EXPECT_EQ(dump_json(r.to_json()["choices"][0]["logprobs"]),
            R"({"content":[{"token":"Hello","logprob":-0.25,"bytes":[72,101,108,108,111],)"
            R"("top_logprobs":[{"token":"Hello","logprob":-0.25,"bytes":[72,101,108,108,111]},)"
            R"({"token":"Hi","logprob":-1.5,"bytes":[72,105]}]}]})");
}

TEST(ApiChatResponse, StreamSendsRoleThenContentThenFinishThenUsage) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 1, false, /*include_usage=*/true, 10);
  std::vector<std::string> chunks = dumped(s.add(update({piece(0, "Hi", {1})}, 1, true)));
  const std::string head =
      R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
      R"("model":"smol","system_fingerprint":"fp_yak",)";
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0], head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
                              R"("logprobs":null,"finish_reason":null}],"usage":null})");
  EXPECT_EQ(chunks[1], head + R"("choices":[{"index":0,"delta":{"content":"Hi"},)"
                              R"("logprobs":null,"finish_reason":null}],"usage":null})");
  // A step that only held text back sends nothing.
  EXPECT_TRUE(s.add(update({piece(0, "", {2})}, 2)).empty());
  chunks = dumped(s.add(update({piece(0, "!", {3}, StopReason::kStopString)}, 3)));
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1], head + R"("choices":[{"index":0,"delta":{},"logprobs":null,)"
                              R"("finish_reason":"stop"}],"usage":null})");
  chunks = dumped(s.end());
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], head + R"("choices":[],"usage":{"prompt_tokens":10,)"
                              R"("completion_tokens":3,"total_tokens":13,)"
                              R"("prompt_tokens_details":{"cached_tokens":4}}})");
}

TEST(ApiChatResponse, StreamWithoutIncludeUsageHasNoUsageField) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 1, false, false, 10);
  for (const Json& c : s.add(update({piece(0, "x", {1}, StopReason::kMaxTokens)}, 1, true)))
    EXPECT_FALSE(c.contains("usage"));
  EXPECT_TRUE(s.end().empty());
}

TEST(ApiChatResponse, StreamWithSeveralChoicesGivesEachItsRoleAndFinish) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 2, false, false, 10);
  const std::vector<Json> chunks =
      s.add(update({piece(0, "a", {1}), piece(1, "b", {1}, StopReason::kMaxTokens)}, 2, true));
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks[0]["choices"][0]["index"], 0);
  EXPECT_EQ(chunks[1]["choices"][0]["index"], 1);
  EXPECT_EQ(chunks[1]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(chunks[3]["choices"][0]["delta"]["content"], "b");
  EXPECT_EQ(chunks[4]["choices"][0]["finish_reason"], "length");
  // Choice 0 never finished: the server ended it (deadline, shutdown).
  const std::vector<Json> last = s.end();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["choices"][0]["index"], 0);
  EXPECT_EQ(last[0]["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(last[0]["choices"][0]["delta"].empty());
}

TEST(ApiChatResponse, StreamCutShortBeforeItRanStillEndsEachChoice) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 1, false, true, 10);
  const std::vector<Json> chunks = s.end();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(chunks[1]["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(chunks[2]["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(chunks[2]["usage"]["completion_tokens"], 0);
}

TEST(ApiChatResponse, StreamDeltasKeepMultibyteCharactersWhole) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 1, false, false, 10);
  // The scheduler hands over whole characters; whatever the tokens, each delta is valid
  // UTF-8 and the deltas join to the text.
  const std::vector<std::string> pieces = {"\xE2\x82\xAC", "", "\xF0\x9F\x98\x80 ok",
                                           "\xE4\xBD\xA0"};
  std::string joined;
  bool first = true;
  for (const std::string& p : pieces) {
    for (const Json& chunk : s.add(update({piece(0, p, {1})}, 1, first))) {
      const std::string line = dump_json(chunk);
      EXPECT_EQ(line.find("\\u"), std::string::npos) << line;  // not escaped, not replaced
      EXPECT_EQ(line.find("\xEF\xBF\xBD"), std::string::npos) << line;
      const Json parsed = Json::parse(line);
      const Json& delta = parsed["choices"][0]["delta"];
      if (delta.contains("content")) joined += delta["content"].get<std::string>();
    }
    first = false;
  }
  EXPECT_EQ(joined, "\xE2\x82\xAC\xF0\x9F\x98\x80 ok\xE4\xBD\xA0");
}

TEST(ApiChatResponse, StreamLogprobsRideWithTheirDelta) {
  YAK_NEED_TOKENIZER(tok);
  const int32_t hello = tok.encode("Hello", false)[0];
  ChatStream s(tok, meta(), 1, true, false, 10);
  ChoiceUpdate c = piece(0, "", {hello});  // text held back, logprobs still sent
  c.logprobs.push_back(Logprobs{{hello, -0.5f}, {}});
  const std::vector<Json> chunks = s.add(update({c}, 1, true));
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(dump_json(chunks[1]["choices"][0]["logprobs"]),
            R"({"content":[{"token":"Hello","logprob":-0.5,"bytes":[72,101,108,108,111],)"
            R"("top_logprobs":[]}]})");
  EXPECT_EQ(chunks[1]["choices"][0]["delta"]["content"], "");
}

}  // namespace
}  // namespace yak::serve
