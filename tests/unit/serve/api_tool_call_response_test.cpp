// Tool calls in chat responses: message.tool_calls with content null, finish_reason
// "tool_calls", and streamed deltas (a head with index, id, type and name, then the arguments)
// that reassemble into the whole response's calls.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "serve/openai/chat_response.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::piece;

ResponseMeta meta() { return {"chatcmpl-abc", 1700000000, "qwen", "fp_yak"}; }

RequestUpdate update(std::vector<ChoiceUpdate> choices) {
  RequestUpdate u;
  u.choices = std::move(choices);
  u.prompt_tokens = 10;
  u.completion_tokens = 5;
  return u;
}

ToolOutputSpec hermes() { return {ToolCallFormat::kHermes, {"get_weather", "get_time"}}; }

const std::vector<std::string> kOutput = {
    "I will look.", "\n<tool", "_call>\n{\"name\": \"get_weather\", \"argu",
    "ments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", ",
    "\"arguments\": {}}\n</tool_call>"};

TEST(ApiToolCallResponse, WholeResponseCarriesTheCalls) {
  YAK_NEED_TOKENIZER(tok);
  ChatResponse r(tok, meta(), 1, false, 10, hermes());
  for (size_t i = 0; i < kOutput.size(); ++i)
    r.add(update({piece(
        0, kOutput[i], {1},
        i + 1 == kOutput.size() ? std::optional(StopReason::kEndOfGeneration) : std::nullopt)}));
  const Json choice = r.to_json()["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  const Json& message = choice["message"];
  EXPECT_EQ(message["content"], "I will look.");
  ASSERT_EQ(message["tool_calls"].size(), 2u);
  const Json& first = message["tool_calls"][0];
  EXPECT_EQ(first["type"], "function");
  EXPECT_EQ(first["function"].dump(),
            R"({"name":"get_weather","arguments":"{\"city\":\"Paris\"}"})");
  const std::string id = first["id"];
  EXPECT_TRUE(id.starts_with("call_")) << id;
  EXPECT_EQ(id.size(), 29u);
  EXPECT_NE(message["tool_calls"][1]["id"], first["id"]);
}

TEST(ApiToolCallResponse, OnlyCallsMeanNullContentAndPlainTextStaysText) {
  YAK_NEED_TOKENIZER(tok);
  ChatResponse calls(tok, meta(), 2, false, 10, hermes());
  calls.add(
      update({piece(0, "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>",
                    {1}, StopReason::kEndOfGeneration),
              piece(1, "It is sunny.", {1}, StopReason::kEndOfGeneration)}));
  const Json j = calls.to_json();
  EXPECT_TRUE(j["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(j["choices"][1]["message"].dump(), R"({"role":"assistant","content":"It is sunny."})");
  EXPECT_EQ(j["choices"][1]["finish_reason"], "stop");
  // A call cut short by max_tokens is text, and the reason is "length".
  ChatResponse cut(tok, meta(), 1, false, 10, hermes());
  cut.add(update(
      {piece(0, "<tool_call>\n{\"name\": \"get_time\", \"argu", {1}, StopReason::kMaxTokens)}));
  const Json c = cut.to_json()["choices"][0];
  EXPECT_EQ(c["message"]["content"], "<tool_call>\n{\"name\": \"get_time\", \"argu");
  EXPECT_FALSE(c["message"].contains("tool_calls"));
  EXPECT_EQ(c["finish_reason"], "length");
}

TEST(ApiToolCallResponse, MistralIdsAreNineCharacters) {
  YAK_NEED_TOKENIZER(tok);
  ChatResponse r(tok, meta(), 1, false, 10, ToolOutputSpec{ToolCallFormat::kMistral, {"f"}});
  r.add(update({piece(0, "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]", {1},
                      StopReason::kEndOfGeneration)}));
  EXPECT_EQ(r.to_json()["choices"][0]["message"]["tool_calls"][0]["id"].get<std::string>().size(),
            9u);
}

TEST(ApiToolCallResponse, StreamedDeltasReassembleIntoTheWholeCalls) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 1, false, false, 10, hermes());
  std::vector<Json> chunks;
  for (size_t i = 0; i < kOutput.size(); ++i)
    for (Json& c :
         s.add(update({piece(0, kOutput[i], {1},
                             i + 1 == kOutput.size() ? std::optional(StopReason::kEndOfGeneration)
                                                     : std::nullopt)})))
      chunks.push_back(std::move(c));
  for (Json& c : s.end()) chunks.push_back(std::move(c));

  std::string content;
  struct Call {
    std::string id, name, arguments;
    int heads = 0;
  };
  std::map<int, Call> calls;
  std::string finish;
  for (const Json& chunk : chunks) {
    const Json& choice = chunk["choices"][0];
    const Json& delta = choice["delta"];
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
    if (delta.contains("content")) content += delta["content"].get<std::string>();
    if (!delta.contains("tool_calls")) continue;
    ASSERT_EQ(delta["tool_calls"].size(), 1u);
    const Json& tc = delta["tool_calls"][0];
    Call& call = calls[tc["index"].get<int>()];
    if (tc.contains("id")) {
      // The head: id, type and name, with empty arguments.
      ++call.heads;
      EXPECT_EQ(tc["type"], "function");
      EXPECT_EQ(tc["function"]["arguments"], "");
      call.id = tc["id"];
      call.name = tc["function"]["name"];
    } else {
      EXPECT_FALSE(tc.contains("type"));
      EXPECT_FALSE(tc["function"].contains("name"));
      EXPECT_EQ(call.heads, 1) << "arguments before the head";
      call.arguments += tc["function"]["arguments"].get<std::string>();
    }
  }
  EXPECT_EQ(content, "I will look.");
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].heads, 1);
  EXPECT_EQ(calls[0].name, "get_weather");
  EXPECT_EQ(calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_TRUE(calls[0].id.starts_with("call_"));
  EXPECT_EQ(calls[1].name, "get_time");
  EXPECT_EQ(calls[1].arguments, "{}");
}

TEST(ApiToolCallResponse, StreamedChoicesParseApart) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 2, false, false, 10, hermes());
  std::vector<Json> chunks = s.add(update(
      {piece(0, "<tool_call>\n{\"name\": \"get_time\", ", {1}), piece(1, "Sunny <tool_", {1})}));
  for (Json& c : s.add(
           update({piece(0, "\"arguments\": {}}\n</tool_call>", {1}, StopReason::kEndOfGeneration),
                   piece(1, "ish", {1}, StopReason::kEndOfGeneration)})))
    chunks.push_back(std::move(c));
  std::map<int, std::string> content, finish;
  std::map<int, int> calls;
  for (const Json& c : chunks) {
    const Json& choice = c["choices"][0];
    const int i = choice["index"];
    if (choice["delta"].contains("content"))
      content[i] += choice["delta"]["content"].get<std::string>();
    if (choice["delta"].contains("tool_calls") && choice["delta"]["tool_calls"][0].contains("id"))
      ++calls[i];
    if (!choice["finish_reason"].is_null()) finish[i] = choice["finish_reason"];
  }
  EXPECT_EQ(calls[0], 1);
  EXPECT_EQ(calls[1], 0);
  EXPECT_EQ(content[1], "Sunny <tool_ish");
  EXPECT_EQ(finish[0], "tool_calls");
  EXPECT_EQ(finish[1], "stop");
}

TEST(ApiToolCallResponse, StreamCutShortGivesHeldTextBack) {
  YAK_NEED_TOKENIZER(tok);
  ChatStream s(tok, meta(), 1, false, false, 10, hermes());
  std::string content;
  const auto gather = [&](const std::vector<Json>& chunks) {
    for (const Json& c : chunks)
      if (c["choices"].size() == 1 && c["choices"][0]["delta"].contains("content"))
        content += c["choices"][0]["delta"]["content"].get<std::string>();
  };
  gather(s.add(update({piece(0, "ok <tool_call>\n{\"na", {1})})));
  EXPECT_EQ(content, "ok");
  gather(s.end());  // the server cut the request short
  EXPECT_EQ(content, "ok <tool_call>\n{\"na");
}

}  // namespace
}  // namespace yak::serve
