// Tool fields of chat requests: tools, tool_choice, parallel_tool_calls, assistant tool_calls
// and tool messages, each refusal a 400 naming the field.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai/chat_request.h"
#include "serve/openai/completion_request.h"
#include "serve/openai/tool_request.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::api_error_of;
using test::body;

constexpr const char* kWeather =
    R"({"type": "function", "function": {"name": "get_weather", "description": "Weather now",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]}}})";

std::string with_tools(const std::string& rest) {
  return std::string(R"({"messages": [{"role": "user", "content": "x"}], "tools": [)") + kWeather +
         "]" + rest + "}";
}

ChatRequest parse(const std::string& text) {
  return parse_chat_request(body(text.c_str()), test::bounds_of(2048, 4, 49152));
}

std::string refused_param(const std::string& text) {
  const ApiError e = api_error_of([&] { parse(text); });
  EXPECT_EQ(e.status(), 400) << text;
  return e.param();
}

TEST(ApiToolRequest, ToolsDefaultToAutoAndParallel) {
  const ChatRequest r = parse(with_tools(""));
  ASSERT_EQ(r.tools.tools.size(), 1u);
  EXPECT_EQ(r.tools.tools[0].name, "get_weather");
  EXPECT_EQ(r.tools.choice, ToolChoice::kAuto);
  EXPECT_TRUE(r.tools.parallel_calls);
  EXPECT_TRUE(r.tools.active());
  EXPECT_EQ(r.tools.tools[0].template_json["function"]["description"], "Weather now");
  EXPECT_EQ(r.tools.tools[0].parameters["required"][0], "city");
}

TEST(ApiToolRequest, ToolChoiceForms) {
  EXPECT_EQ(parse(with_tools(R"(, "tool_choice": "none")")).tools.choice, ToolChoice::kNone);
  EXPECT_FALSE(parse(with_tools(R"(, "tool_choice": "none")")).tools.active());
  EXPECT_EQ(parse(with_tools(R"(, "tool_choice": "required")")).tools.choice,
            ToolChoice::kRequired);
  const ChatRequest named = parse(with_tools(
      R"(, "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
         "parallel_tool_calls": false)"));
  EXPECT_EQ(named.tools.choice, ToolChoice::kNamed);
  EXPECT_EQ(named.tools.named, "get_weather");
  EXPECT_FALSE(named.tools.parallel_calls);
  // A function with no parameters takes an empty object.
  const ChatRequest bare = parse(R"({"messages": [{"role": "user", "content": "x"}],
      "tools": [{"type": "function", "function": {"name": "now"}}]})");
  EXPECT_EQ(bare.tools.tools[0].parameters.dump(), R"({"type":"object","properties":{}})");
  // Without tools: nothing to call, and "none" asks for nothing.
  EXPECT_FALSE(parse(R"({"messages": [{"role": "user", "content": "x"}], "tools": [],
                        "tool_choice": "none"})")
                   .tools.active());
}

TEST(ApiToolRequest, BadToolsAreRefusedNamingTheField) {
  const auto tools = [](const char* list) {
    return std::string(R"({"messages": [{"role": "user", "content": "x"}], "tools": )") + list +
           "}";
  };
  EXPECT_EQ(refused_param(tools(R"({"type": "function"})")), "tools");
  EXPECT_EQ(refused_param(tools(R"([1])")), "tools[0]");
  EXPECT_EQ(refused_param(tools(R"([{"type": "retrieval", "function": {"name": "f"}}])")),
            "tools[0].type");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function"}])")), "tools[0].function");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {}}])")),
            "tools[0].function.name");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": "get weather"}}])")),
            "tools[0].function.name");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": ""}}])")),
            "tools[0].function.name");
  EXPECT_EQ(refused_param(tools((std::string(R"([{"type": "function", "function": {"name": ")") +
                                 std::string(65, 'a') + "\"}}]")
                                    .c_str())),
            "tools[0].function.name");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": "f"}},
                                    {"type": "function", "function": {"name": "f"}}])")),
            "tools[1].function.name");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": "f",
                                     "parameters": {"type": "string"}}}])")),
            "tools[0].function.parameters.type");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": "f",
                                     "parameters": [1]}}])")),
            "tools[0].function.parameters");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": "f",
                                     "description": 3}}])")),
            "tools[0].function.description");
  EXPECT_EQ(refused_param(tools(R"([{"type": "function", "function": {"name": "f",
                                     "strict": "yes"}}])")),
            "tools[0].function.strict");
}

TEST(ApiToolRequest, BadToolChoicesAreRefusedNamingTheField) {
  EXPECT_EQ(refused_param(with_tools(R"(, "tool_choice": "always")")), "tool_choice");
  EXPECT_EQ(refused_param(with_tools(R"(, "tool_choice": 1)")), "tool_choice");
  EXPECT_EQ(refused_param(with_tools(R"(, "tool_choice": {"type": "function"})")),
            "tool_choice.function");
  EXPECT_EQ(refused_param(with_tools(
                R"(, "tool_choice": {"type": "function", "function": {"name": "other"}})")),
            "tool_choice.function.name");
  EXPECT_EQ(refused_param(with_tools(
                R"(, "tool_choice": {"type": "code", "function": {"name": "get_weather"}})")),
            "tool_choice.type");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "user", "content": "x"}],
                              "tool_choice": "required"})"),
            "tool_choice");
  EXPECT_EQ(refused_param(with_tools(R"(, "parallel_tool_calls": "yes")")), "parallel_tool_calls");
}

TEST(ApiToolRequest, LegacyFunctionsPointToTools) {
  const ApiError e = api_error_of([] {
    parse(R"({"messages": [{"role": "user", "content": "x"}], "functions": [{"name": "f"}]})");
  });
  EXPECT_EQ(e.param(), "functions");
  EXPECT_NE(std::string(e.what()).find("use 'tools'"), std::string::npos) << e.what();
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "user", "content": "x"}],
                              "function_call": "auto"})"),
            "function_call");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "function", "content": "x", "name": "f"}]})"),
            "messages[0].role");
}

TEST(ApiToolRequest, CompletionsRefuseTools) {
  const ApiError e = api_error_of([] {
    parse_completions_request(body(R"({"prompt": "x", "tools": [{"type": "function",
                                       "function": {"name": "f"}}]})"),
                              test::bounds_of(2048, 4, 49152));
  });
  EXPECT_EQ(e.param(), "tools");
}

constexpr const char* kHistory = R"({"messages": [
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_1", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
      {"id": "call_2", "type": "function",
       "function": {"name": "get_weather", "arguments": {"city": "Rome"}}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "25C"}]}]})";

TEST(ApiToolRequest, AssistantCallsReachTemplatesWithObjectArguments) {
  const ChatRequest r = parse(kHistory);
  EXPECT_EQ(r.messages[1].dump(),
            R"({"role":"assistant","content":"","tool_calls":[)"
            R"({"id":"call_1","type":"function","function":{"name":"get_weather",)"
            R"("arguments":{"city":"Paris"}}},)"
            R"({"id":"call_2","type":"function","function":{"name":"get_weather",)"
            R"("arguments":{"city":"Rome"}}}]})");
  EXPECT_EQ(r.messages[2].dump(), R"({"role":"tool","content":"18C","tool_call_id":"call_1"})");
  EXPECT_EQ(r.messages[3]["content"], "25C");
}

TEST(ApiToolRequest, BadToolMessagesAreRefusedNamingTheField) {
  const auto call = [](const char* function) {
    return std::string(R"({"messages": [{"role": "assistant", "tool_calls": [{"id": "c",
        "type": "function", "function": )") +
           function + "}]}]}";
  };
  EXPECT_EQ(refused_param(call(R"({"name": "f", "arguments": "not json"})")),
            "messages[0].tool_calls[0].function.arguments");
  EXPECT_EQ(refused_param(call(R"({"name": "f", "arguments": "[1]"})")),
            "messages[0].tool_calls[0].function.arguments");
  EXPECT_EQ(refused_param(call(R"({"name": "f", "arguments": 5})")),
            "messages[0].tool_calls[0].function.arguments");
  EXPECT_EQ(refused_param(call(R"({"arguments": "{}"})")),
            "messages[0].tool_calls[0].function.name");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "assistant", "tool_calls": [
                {"type": "function", "function": {"name": "f"}}]}]})"),
            "messages[0].tool_calls[0].id");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "assistant", "tool_calls": {"id": "c"}}]})"),
            "messages[0].tool_calls");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "user", "content": "x", "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f"}}]}]})"),
            "messages[0].tool_calls");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "tool", "content": "42"}]})"),
            "messages[0].tool_call_id");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "user", "content": "x"},
                {"role": "tool", "content": "42", "tool_call_id": "call_9"}]})"),
            "messages[1].tool_call_id");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "assistant", "content": null}]})"),
            "messages[0].content");
  EXPECT_EQ(refused_param(R"({"messages": [{"role": "assistant", "content": "x",
                "function_call": {"name": "f"}}]})"),
            "messages[0].function_call");
  // "" arguments (no arguments) count as {}.
  EXPECT_EQ(parse(call(R"({"name": "f", "arguments": ""})"))
                .messages[0]["tool_calls"][0]["function"]["arguments"]
                .dump(),
            "{}");
}

}  // namespace
}  // namespace yak::serve
