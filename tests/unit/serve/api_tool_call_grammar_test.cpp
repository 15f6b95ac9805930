// The tool call grammars built for real (yak::json_schema_to_gbnf + Grammar::from_gbnf): they
// take valid calls in each family's format and refuse calls to functions not offered,
// arguments that break the schema, and a second call when parallel calls are off.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai/chat_request.h"
#include "serve/openai/tool_call_grammar.h"
#include "unit/serve/api_test_support.h"
#include "yak/grammar.h"

namespace yak::serve {
namespace {

using test::api_error_of;
using test::body;

ChatRequest parse(const std::string& rest) {
  const std::string text = R"({"messages": [{"role": "user", "content": "x"}], "tools": [
      {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
         "properties": {"city": {"type": "string"}, "unit": {"enum": ["C", "F"]}},
         "required": ["city"], "additionalProperties": false}}},
      {"type": "function", "function": {"name": "get_time"}}])" +
                           rest + "}";
  return parse_chat_request(body(text.c_str()), test::bounds_of(2048, 4, 49152));
}

Grammar grammar_of(ToolCallFormat format, const ToolRequest& tools, GenerateOptions* options) {
  apply_tool_call_grammar(format, tools, *options);
  EXPECT_TRUE(options->grammar);
  return *options->grammar;
}

TEST(ToolCallGrammarBuilt, HermesRequiredTakesValidCallsOnly) {
  GenerateOptions options;
  const Grammar g =
      grammar_of(ToolCallFormat::kHermes, parse(R"(, "tool_choice": "required")").tools, &options);
  EXPECT_TRUE(options.grammar_triggers.empty());
  const std::string weather =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Paris\"}}\n</tool_call>";
  const std::string time = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";
  EXPECT_TRUE(g.matches(weather)) << g.source();
  EXPECT_TRUE(g.matches(time));
  EXPECT_TRUE(g.matches(weather + "\n" + time));  // parallel
  EXPECT_TRUE(
      g.matches("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
                "\"Oslo\", \"unit\": \"F\"}}\n</tool_call>"));
  EXPECT_FALSE(g.matches("<tool_call>\n{\"name\": \"get_news\", \"arguments\": {}}\n</tool_call>"));
  EXPECT_FALSE(
      g.matches("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>"));
  EXPECT_FALSE(
      g.matches("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": 3}}"
                "\n</tool_call>"));
  EXPECT_FALSE(
      g.matches("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
                "\"Oslo\", \"unit\": \"K\"}}\n</tool_call>"));
  EXPECT_FALSE(g.matches("The weather is fine."));
  EXPECT_FALSE(g.matches(""));
}

TEST(ToolCallGrammarBuilt, NamedChoiceAndNoParallelCalls) {
  GenerateOptions options;
  const Grammar g = grammar_of(
      ToolCallFormat::kGeneric,
      parse(R"(, "tool_choice": {"type": "function", "function": {"name": "get_time"}})").tools,
      &options);
  EXPECT_TRUE(g.matches("{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": {}}]}"))
      << g.source();
  EXPECT_FALSE(g.matches(
      "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"x\"}}]}"));
  EXPECT_FALSE(
      g.matches("{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": {}}, "
                "{\"name\": \"get_time\", \"arguments\": {}}]}"));
  GenerateOptions single;
  const Grammar one = grammar_of(
      ToolCallFormat::kMistral,
      parse(R"(, "tool_choice": "required", "parallel_tool_calls": false)").tools, &single);
  EXPECT_TRUE(one.matches("[TOOL_CALLS][{\"name\": \"get_time\", \"arguments\": {}}]"));
  EXPECT_FALSE(
      one.matches("[TOOL_CALLS][{\"name\": \"get_time\", \"arguments\": {}}, "
                  "{\"name\": \"get_time\", \"arguments\": {}}]"));
}

TEST(ToolCallGrammarBuilt, AutoIsLazyFromTheOpener) {
  GenerateOptions options;
  const Grammar g = grammar_of(ToolCallFormat::kLlama3, parse("").tools, &options);
  EXPECT_EQ(options.grammar_triggers, (std::vector<std::string>{"<|python_tag|>", "{\"name\""}));
  EXPECT_TRUE(g.matches("{\"name\": \"get_time\", \"parameters\": {}}")) << g.source();
  EXPECT_TRUE(
      g.matches("<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": "
                "\"Rome\"}}"));
  // tool_choice "none": no constraint at all.
  GenerateOptions none;
  apply_tool_call_grammar(ToolCallFormat::kHermes, parse(R"(, "tool_choice": "none")").tools, none);
  EXPECT_FALSE(none.grammar);
  EXPECT_TRUE(none.grammar_triggers.empty());
}

TEST(ToolCallGrammarBuilt, ParametersTheGrammarCannotExpressAre400NamingTheTool) {
  const std::string text = R"({"messages": [{"role": "user", "content": "x"}], "tools": [
      {"type": "function", "function": {"name": "a"}},
      {"type": "function", "function": {"name": "b", "parameters": {"type": "object",
         "properties": {"x": {"type": "string", "unknownKeyword": 1}}}}}]})";
  const ChatRequest r = parse_chat_request(body(text.c_str()), test::bounds_of(2048, 4, 49152));
  GenerateOptions options;
  const ApiError e =
      api_error_of([&] { apply_tool_call_grammar(ToolCallFormat::kHermes, r.tools, options); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.param(), "tools[1].function.parameters") << e.what();
}

}  // namespace
}  // namespace yak::serve
