// Tool call families: detection from templates, calls written back into prompts, Yak's
// system message, the prompt a template is given, and the grammar text per family.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "serve/openai/chat_request.h"
#include "serve/openai/tool_call_format.h"
#include "serve/openai/tool_call_grammar.h"
#include "serve/openai/tool_prompt.h"
#include "unit/serve/api_test_support.h"
#include "unit/test_paths.h"
#include "yak/chat_template.h"
#include "yak/model_file.h"

namespace yak::serve {
namespace {

using test::body;

ChatRequest parse(const char* text) {
  return parse_chat_request(body(text), test::bounds_of(2048, 4, 49152));
}

constexpr const char* kRoundTrip = R"({"messages": [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"}],
  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]})";

TEST(ToolCallFormat, DetectedFromTheTemplate) {
  EXPECT_EQ(detect_tool_call_format("{{ '<tool_call>' }}"), ToolCallFormat::kHermes);
  EXPECT_EQ(detect_tool_call_format("{{ '[TOOL_CALLS]' }}"), ToolCallFormat::kMistral);
  EXPECT_EQ(detect_tool_call_format("<|python_tag|>"), ToolCallFormat::kLlama3);
  EXPECT_EQ(detect_tool_call_format("{% if m.role == 'ipython' %}"), ToolCallFormat::kLlama3);
  EXPECT_EQ(detect_tool_call_format("{{ messages }}"), ToolCallFormat::kGeneric);
  for (const char* name : {"auto", "hermes", "llama3", "mistral", "generic"})
    EXPECT_EQ(tool_call_format_name(*tool_call_format_from_name(name)), std::string(name));
  EXPECT_FALSE(tool_call_format_from_name("xml"));
}

TEST(ToolCallFormat, CallsAreWrittenAsEachFamilyWritesThem) {
  const Json calls = parse(kRoundTrip).messages[1]["tool_calls"];
  EXPECT_EQ(write_tool_calls(ToolCallFormat::kHermes, calls),
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n"
            "</tool_call>");
  EXPECT_EQ(write_tool_calls(ToolCallFormat::kLlama3, calls),
            "{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Paris\"}}");
  EXPECT_EQ(write_tool_calls(ToolCallFormat::kMistral, calls),
            "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}]");
  EXPECT_EQ(write_tool_calls(ToolCallFormat::kGeneric, calls),
            "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}]}");
}

TEST(ToolPrompt, FallbackDescribesToolsAndRewritesTheHistory) {
  const ChatRequest r = parse(kRoundTrip);
  const ToolPrompt p = tool_prompt(r.messages, r.tools, ToolCallFormat::kGeneric, false);
  EXPECT_TRUE(p.tools.is_null());
  ASSERT_EQ(p.messages.size(), 4u);
  EXPECT_EQ(p.messages[0]["role"], "system");
  const std::string system = p.messages[0]["content"];
  EXPECT_NE(system.find("\"name\":\"get_weather\""), std::string::npos) << system;
  EXPECT_NE(system.find("{\"tool_calls\": [{\"name\": <function name>"), std::string::npos);
  EXPECT_EQ(p.messages[2].dump(),
            R"({"role":"assistant","content":"{\"tool_calls\": [{\"name\": \"get_weather\", )"
            R"(\"arguments\": {\"city\":\"Paris\"}}]}"})");
  EXPECT_EQ(p.messages[3].dump(),
            R"({"role":"user","content":"Result of get_weather (call call_1):\n18C and sunny"})");
  // "none": no tools offered, the history still rendered.
  ChatRequest none = r;
  none.tools.choice = ToolChoice::kNone;
  const ToolPrompt n = tool_prompt(none.messages, none.tools, ToolCallFormat::kGeneric, false);
  EXPECT_EQ(n.messages.size(), 3u);
  EXPECT_EQ(n.messages[0]["role"], "user");
}

TEST(ToolPrompt, RequiredAndNamedChoicesAreSaid) {
  ChatRequest r = parse(kRoundTrip);
  r.tools.choice = ToolChoice::kNamed;
  r.tools.named = "get_weather";
  EXPECT_NE(tool_instructions(ToolCallFormat::kHermes, r.tools)
                .find("You must call the function get_weather"),
            std::string::npos);
  r.tools.choice = ToolChoice::kRequired;
  EXPECT_NE(tool_instructions(ToolCallFormat::kHermes, r.tools).find("at least one function"),
            std::string::npos);
}

std::string qwen_template() {
  const std::string path = yak::test::model_path("qwen2.5-coder-0.5b-instruct.q4_k_m.gguf");
  if (!std::filesystem::exists(path)) return {};
  for (const MetadataEntry& e : ModelFile::open(path).metadata(0))
    if (e.key == "tokenizer.chat_template") return e.value.s;
  return {};
}

TEST(ToolPrompt, QwenTemplateRendersTheRoundTripNatively) {
  const std::string source = qwen_template();
  if (source.empty()) GTEST_SKIP() << "the Qwen2.5 model is missing (scripts/setup.sh)";
  const ChatTemplate tmpl = ChatTemplate::parse(source);
  EXPECT_TRUE(template_renders_tools(tmpl, "", "<|im_end|>"));
  EXPECT_EQ(detect_tool_call_format(source), ToolCallFormat::kHermes);
  const ChatRequest r = parse(kRoundTrip);
  const ToolPrompt p = tool_prompt(r.messages, r.tools, ToolCallFormat::kHermes, true);
  ASSERT_TRUE(p.tools.is_array());
  const std::string text =
      tmpl.render(chat_template_context(p.messages, true, "", "<|im_end|>", p.tools));
  // The arguments render as the object they are, not as a quoted string.
  EXPECT_NE(text.find("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", "
                      "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<|im_start|>user\n<tool_response>\n18C and sunny\n</tool_response>"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<tools>\n{\"type\": \"function\", \"function\": {\"name\": "
                      "\"get_weather\""),
            std::string::npos)
      << text;
}

TEST(ToolPrompt, TemplatesWithoutToolsAreFoundOut) {
  const ChatTemplate chatml = ChatTemplate::parse(
      "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}");
  EXPECT_FALSE(template_renders_tools(chatml, "", ""));
  const ChatTemplate raising = ChatTemplate::parse("{{ raise_exception('no') }}");
  EXPECT_FALSE(template_renders_tools(raising, "", ""));
}

// A stand-in for yak::json_schema_to_gbnf: records the rule names it is asked for.
std::string fake_schema_rules(const Json&, std::string_view root) {
  return std::string(root) + " ::= \"{}\"\n";
}

TEST(ToolCallGrammar, TextPerFamily) {
  const ChatRequest r = parse(kRoundTrip);
  EXPECT_FALSE(tool_call_grammar(ToolCallFormat::kHermes,
                                 parse(R"({"messages": [{"role": "user", "content": "x"}]})").tools,
                                 fake_schema_rules));
  const auto hermes = tool_call_grammar(ToolCallFormat::kHermes, r.tools, fake_schema_rules);
  ASSERT_TRUE(hermes);
  EXPECT_EQ(hermes->gbnf,
            "root ::= call (\"\\n\" call)*\n"
            "call ::= tool-0\n"
            "tool-0 ::= \"<tool_call>\\n{\\\"name\\\": \\\"get_weather\\\", \\\"arguments\\\": \" "
            "tool-0-args \"}\\n</tool_call>\"\n"
            "tool-0-args ::= \"{}\"\n");
  EXPECT_EQ(hermes->triggers, std::vector<std::string>{"<tool_call>"});  // auto: lazy

  ToolRequest required = r.tools;
  required.choice = ToolChoice::kRequired;
  required.parallel_calls = false;
  const auto mistral = tool_call_grammar(ToolCallFormat::kMistral, required, fake_schema_rules);
  EXPECT_TRUE(mistral->triggers.empty());
  EXPECT_TRUE(mistral->gbnf.starts_with("root ::= \"[TOOL_CALLS][\" call \"]\"\n"))
      << mistral->gbnf;
  const auto llama = tool_call_grammar(ToolCallFormat::kLlama3, required, fake_schema_rules);
  EXPECT_NE(llama->gbnf.find("\\\"parameters\\\": \" tool-0-args"), std::string::npos);
  const auto generic = tool_call_grammar(ToolCallFormat::kGeneric, required, fake_schema_rules);
  EXPECT_TRUE(generic->gbnf.starts_with("root ::= \"{\\\"tool_calls\\\": [\" call \"]}\"\n"));
}

TEST(ToolCallGrammar, NamedChoiceAllowsOnlyThatFunctionOnce) {
  ChatRequest r = parse(R"({"messages": [{"role": "user", "content": "x"}], "tools": [
      {"type": "function", "function": {"name": "a"}},
      {"type": "function", "function": {"name": "b_c"}}],
      "tool_choice": {"type": "function", "function": {"name": "b_c"}}})");
  std::vector<std::string> asked;
  const auto g = tool_call_grammar(ToolCallFormat::kHermes, r.tools,
                                   [&](const Json& schema, std::string_view root) {
                                     asked.emplace_back(root);
                                     EXPECT_EQ(schema["type"], "object");
                                     return std::string(root) + " ::= \"{}\"";
                                   });
  EXPECT_EQ(asked, std::vector<std::string>{"tool-1-args"});
  EXPECT_TRUE(g->gbnf.starts_with("root ::= call\ncall ::= tool-1\n")) << g->gbnf;
  EXPECT_NE(g->gbnf.find("\\\"b_c\\\""), std::string::npos);
  EXPECT_TRUE(g->triggers.empty());
}

}  // namespace
}  // namespace yak::serve
