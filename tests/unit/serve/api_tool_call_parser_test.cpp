// Tool calls in model output, per family: whole and streamed in every split (the same
// events), text before and after calls, parallel calls, and broken calls given back as text.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "serve/openai/tool_call_parser.h"

namespace yak::serve {
namespace {

const std::vector<std::string> kNames = {"get_weather", "get_time"};

ParsedToolOutput whole(ToolCallFormat format, const std::string& text) {
  return parse_tool_output(format, kNames, text);
}

// Feeds `text` in pieces cut at `cuts` and gathers the events as the whole parse does.
ParsedToolOutput streamed(ToolCallFormat format, const std::string& text,
                          const std::vector<size_t>& cuts) {
  ToolCallParser parser(format, kNames);
  ParsedToolOutput out;
  const auto gather = [&](std::vector<ToolCallEvent> events) {
    for (ToolCallEvent& e : events) {
      EXPECT_TRUE(e.call || !e.text.empty()) << "an empty event";
      if (e.call) {
        out.calls.push_back(*e.call);
      } else {
        out.content += e.text;
      }
    }
  };
  size_t at = 0;
  for (size_t cut : cuts) {
    gather(parser.push(text.substr(at, cut - at)));
    at = cut;
  }
  gather(parser.push(text.substr(at)));
  gather(parser.finish());
  return out;
}

// Whole, byte by byte, and in random pieces: always the same result.
ParsedToolOutput parse_every_way(ToolCallFormat format, const std::string& text) {
  const ParsedToolOutput w = whole(format, text);
  std::vector<size_t> bytes;
  for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  const ParsedToolOutput b = streamed(format, text, bytes);
  EXPECT_EQ(b.content, w.content) << text;
  EXPECT_EQ(b.calls, w.calls) << text;
  std::mt19937 random(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < text.size(); ++i)
      if (random() % 5 == 0) cuts.push_back(i);
    const ParsedToolOutput r = streamed(format, text, cuts);
    EXPECT_EQ(r.content, w.content) << text;
    EXPECT_EQ(r.calls, w.calls) << text;
  }
  return w;
}

ParsedToolCall call(const char* name, const char* arguments) { return {name, arguments}; }

TEST(ToolCallParser, HermesCalls) {
  const ParsedToolOutput one =
      parse_every_way(ToolCallFormat::kHermes,
                      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
                      "\"Paris\"}}\n</tool_call>");
  EXPECT_EQ(one.content, "");
  EXPECT_EQ(one.calls, std::vector{call("get_weather", R"({"city":"Paris"})")});

  const ParsedToolOutput two = parse_every_way(
      ToolCallFormat::kHermes,
      "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": "
      "{\"zone\": \"CET\", \"deep\": {\"a\": [1, \"}\"]}}}\n</tool_call>");
  EXPECT_EQ(two.content, "Let me check.");
  EXPECT_EQ(two.calls, (std::vector{call("get_weather", R"({"city":"Paris"})"),
                                    call("get_time", R"({"zone":"CET","deep":{"a":[1,"}"]}})")}));
}

TEST(ToolCallParser, HermesWithoutClosingTagAtTheEndStillCalls) {
  const ParsedToolOutput r = parse_every_way(
      ToolCallFormat::kHermes, "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n");
  EXPECT_EQ(r.calls, std::vector{call("get_time", "{}")});
}

TEST(ToolCallParser, JsonCallsBareOrInACodeBlockCountToo) {
  // Small models (Qwen2.5-Coder 0.5B) often write the call's JSON without the tags.
  const ParsedToolOutput fenced =
      parse_every_way(ToolCallFormat::kHermes,
                      "```json\n{\n  \"name\": \"get_weather\",\n  \"arguments\": {\n    \"city\": "
                      "\"Paris\"\n  }\n}\n```\n");
  EXPECT_EQ(fenced.content, "");
  EXPECT_EQ(fenced.calls, std::vector{call("get_weather", R"({"city":"Paris"})")});
  const ParsedToolOutput bare = parse_every_way(
      ToolCallFormat::kHermes, "Calling: {\"name\": \"get_time\", \"arguments\": {}} now");
  EXPECT_EQ(bare.content, "Calling:now");
  EXPECT_EQ(bare.calls, std::vector{call("get_time", "{}")});
  const ParsedToolOutput generic =
      parse_every_way(ToolCallFormat::kGeneric,
                      "```\n{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": {}}]}\n```");
  EXPECT_EQ(generic.content, "");
  EXPECT_EQ(generic.calls, std::vector{call("get_time", "{}")});
  // JSON that is not a call to an offered function is the answer's text.
  for (const std::string& text : {std::string("```json\n{\"name\": \"Bob\", \"age\": 3}\n```"),
                                  std::string("{\"name\": \"get_weather\", \"arguments\": 3}"),
                                  std::string("{ \"names\": 1 }")}) {
    const ParsedToolOutput r = parse_every_way(ToolCallFormat::kHermes, text);
    EXPECT_TRUE(r.calls.empty()) << text;
    EXPECT_EQ(r.content, text);
  }
}

TEST(ToolCallParser, BrokenCallsAreGivenBackAsText) {
  for (const std::string& text : {
           std::string("Hi <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
                       "}}\n</tool_call> bye"),
           std::string(
               "<tool_call>\n{\"name\": \"unknown_tool\", \"arguments\": {}}\n</tool_call>"),
           std::string(
               "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": [1]}\n</tool_call>"),
           std::string("<tool_call>\n{\"name\": \"get_weather\", \"argu"),  // cut short
           std::string("text <tool_ca"),
           std::string("a < b and <tool> is not </tool_call>"),
       }) {
    const ParsedToolOutput r = parse_every_way(ToolCallFormat::kHermes, text);
    EXPECT_TRUE(r.calls.empty()) << text;
    EXPECT_EQ(r.content, text);
  }
}

TEST(ToolCallParser, TextAfterACallIsContentAndABrokenCallDoesNotHideALaterOne) {
  const ParsedToolOutput r =
      parse_every_way(ToolCallFormat::kHermes,
                      "<tool_call>\n{oops}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", "
                      "\"arguments\": {}}\n</tool_call>\nDone.");
  EXPECT_EQ(r.content, "<tool_call>\n{oops}\n</tool_call>Done.");
  EXPECT_EQ(r.calls, std::vector{call("get_time", "{}")});
}

TEST(ToolCallParser, PlainTextIsUntouched) {
  for (const std::string& text : {std::string("Hello, world.\n\n  "), std::string("{\"a\": 1}"),
                                  std::string("tool_call"), std::string("")}) {
    const ParsedToolOutput r = parse_every_way(ToolCallFormat::kHermes, text);
    EXPECT_EQ(r.content, text);
    EXPECT_TRUE(r.calls.empty());
  }
}

TEST(ToolCallParser, Llama3Calls) {
  const ParsedToolOutput plain =
      parse_every_way(ToolCallFormat::kLlama3,
                      "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
  EXPECT_EQ(plain.calls, std::vector{call("get_weather", R"({"city":"Paris"})")});
  EXPECT_EQ(plain.content, "");
  const ParsedToolOutput tagged = parse_every_way(
      ToolCallFormat::kLlama3,
      "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}; "
      "{\"name\": \"get_time\", \"arguments\": {}}");
  EXPECT_EQ(tagged.calls,
            (std::vector{call("get_weather", R"({"city":"Rome"})"), call("get_time", "{}")}));
  // A python-style call is not JSON: text, as written.
  const std::string python = "<|python_tag|>brave_search.call(query=\"x\")";
  const ParsedToolOutput p = parse_every_way(ToolCallFormat::kLlama3, python);
  EXPECT_TRUE(p.calls.empty());
  EXPECT_EQ(p.content, python);
}

TEST(ToolCallParser, MistralCalls) {
  const ParsedToolOutput r = parse_every_way(
      ToolCallFormat::kMistral,
      "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, "
      "{\"name\": \"get_time\", \"arguments\": {\"zone\": \"[UTC]\"}}]");
  EXPECT_EQ(r.calls, (std::vector{call("get_weather", R"({"city":"Paris"})"),
                                  call("get_time", R"({"zone":"[UTC]"})")}));
  const std::string broken = "[TOOL_CALLS][{\"name\": \"get_weather\"}, 3]";
  EXPECT_EQ(parse_every_way(ToolCallFormat::kMistral, broken).content, broken);
}

TEST(ToolCallParser, GenericCalls) {
  const ParsedToolOutput r = parse_every_way(
      ToolCallFormat::kGeneric,
      "Sure.\n\n{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Oslo\"}}, {\"name\": \"get_time\", \"arguments\": \"{\\\"zone\\\": \\\"CET\\\"}\"}]}");
  EXPECT_EQ(r.content, "Sure.");
  EXPECT_EQ(r.calls, (std::vector{call("get_weather", R"({"city":"Oslo"})"),
                                  call("get_time", R"({"zone":"CET"})")}));
  for (const std::string& broken :
       {std::string("{\"tool_calls\": []}"), std::string("{\"tool_calls\": [{\"name\": 1}]}"),
        std::string("{\"tool_calls\": [{\"name\": \"get_time\"}], \"extra\": 1}")}) {
    const ParsedToolOutput b = parse_every_way(ToolCallFormat::kGeneric, broken);
    EXPECT_TRUE(b.calls.empty()) << broken;
    EXPECT_EQ(b.content, broken);
  }
}

TEST(ToolCallParser, ALongCallStreamedByteByByteCostsLinearTime) {
  for (const ToolCallFormat format : {ToolCallFormat::kHermes, ToolCallFormat::kGeneric}) {
    const std::string value(400'000, 'x');
    const std::string call_json =
        "{\"name\": \"get_time\", \"arguments\": {\"zone\": \"" + value + "\"}}";
    const std::string text = format == ToolCallFormat::kHermes
                                 ? "<tool_call>\n" + call_json + "\n</tool_call>"
                                 : "{\"tool_calls\": [" + call_json + "]}";
    const auto started = std::chrono::steady_clock::now();
    ToolCallParser parser(format, kNames);
    size_t calls = 0;
    for (char c : text)
      for (const ToolCallEvent& e : parser.push(std::string_view(&c, 1))) calls += e.call ? 1 : 0;
    EXPECT_EQ(calls, 1u);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              5.0);
  }
}

TEST(ToolCallParser, StreamingHoldsBackOnlyWhatMayOpenACall) {
  ToolCallParser parser(ToolCallFormat::kHermes, kNames);
  std::vector<ToolCallEvent> e = parser.push("Hello <tool");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].text, "Hello");  // " <tool" may open a call
  e = parser.push("box> and");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].text, " <toolbox> and");
  e = parser.push(" <tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}");
  EXPECT_TRUE(e.empty());  // a call is given out once complete
  e = parser.push("\n</tool_call>");
  ASSERT_EQ(e.size(), 1u);
  ASSERT_TRUE(e[0].call.has_value());
  EXPECT_EQ(e[0].call->name, "get_time");
  EXPECT_TRUE(parser.finish().empty());
}

}  // namespace
}  // namespace yak::serve
