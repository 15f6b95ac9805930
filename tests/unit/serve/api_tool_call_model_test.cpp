// The default model (SmolLM2, whose template knows no tools) decoding greedily under the tool
// call grammar, with the prompt Yak writes for it: "required" and a named choice give calls
// that the parser reads back, to offered functions, with arguments of the right shape. This
// checks prompt, grammar and parser together without the scheduler.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "serve/openai/chat_request.h"
#include "serve/openai/tool_call_grammar.h"
#include "serve/openai/tool_call_parser.h"
#include "serve/openai/tool_prompt.h"
#include "unit/serve/api_test_support.h"
#include "unit/test_models.h"
#include "yak/chat_template.h"
#include "yak/engine.h"
#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace yak::serve {
namespace {

using test::body;

// Greedy decoding under `grammar` until it must end, the model ends, or `max_tokens`.
std::string constrained_output(const std::shared_ptr<const Model>& model,
                               const std::vector<int32_t>& prompt, const Grammar& grammar,
                               int max_tokens) {
  const Tokenizer& tokenizer = model->tokenizer();
  auto vocabulary = std::make_shared<const GrammarVocabulary>(tokenizer);
  GrammarMatcher matcher(std::make_shared<const TokenGrammar>(grammar, vocabulary));
  Context ctx(model, {.max_sequences = 1, .context_size = 2048});
  const SequenceId seq = ctx.add_sequence();
  Batch batch;
  int32_t out = -1;
  for (size_t i = 0; i < prompt.size(); ++i)
    out = batch.add(prompt[i], static_cast<int32_t>(i), seq, i + 1 == prompt.size());
  ctx.decode(batch);
  int32_t pos = static_cast<int32_t>(prompt.size());
  std::string text;
  for (int step = 0; step < max_tokens; ++step) {
    const std::span<const float> view = ctx.logits(out);
    std::vector<float> logits(view.begin(), view.end());
    matcher.apply(logits);
    const int32_t token =
        static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    if (tokenizer.is_end_of_generation(token)) {
      EXPECT_TRUE(matcher.can_end());
      break;
    }
    EXPECT_TRUE(matcher.accept(token));
    text += tokenizer.token_to_piece(token);
    if (matcher.must_end()) break;
    batch.clear();
    out = batch.add(token, pos++, seq, true);
    ctx.decode(batch);
  }
  return text;
}

ParsedToolOutput run(const char* request_text, int max_tokens) {
  const auto model = yak::test::shared_default_model();
  const ChatRequest r = parse_chat_request(body(request_text), test::bounds_of(2048, 4, 49152));
  const ToolPrompt p = tool_prompt(r.messages, r.tools, ToolCallFormat::kGeneric, false);
  const ChatTemplate tmpl = ChatTemplate::parse(model->info().chat_template);
  const std::vector<int32_t> prompt =
      chat_prompt_tokens(tmpl, model->tokenizer(), p.messages, p.tools);
  GenerateOptions options;
  apply_tool_call_grammar(ToolCallFormat::kGeneric, r.tools, options);
  EXPECT_TRUE(options.grammar_triggers.empty());
  const std::string text = constrained_output(model, prompt, *options.grammar, max_tokens);
  std::vector<std::string> names;
  for (const ToolDefinition& t : r.tools.tools) names.push_back(t.name);
  ParsedToolOutput parsed = parse_tool_output(ToolCallFormat::kGeneric, names, text);
  EXPECT_TRUE(options.grammar->matches(text)) << text;
  EXPECT_EQ(parsed.content, "") << text;
  return parsed;
}

constexpr const char* kTools = R"("tools": [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}},
                    "required": ["city"], "additionalProperties": false}}},
    {"type": "function", "function": {"name": "get_time", "description": "Time in a zone",
     "parameters": {"type": "object", "properties": {"zone": {"enum": ["UTC", "CET"]}},
                    "required": ["zone"], "additionalProperties": false}}}])";

TEST(ToolCallWithModel, RequiredGivesAValidCall) {
  if (!std::filesystem::exists(yak::test::default_model_path()))
    GTEST_SKIP() << "default model missing (scripts/setup.sh)";
  const std::string request =
      std::string(R"({"messages": [{"role": "user", "content": "What is the weather in Paris?"}],
                      "tool_choice": "required", "parallel_tool_calls": false, )") +
      kTools + "}";
  const ParsedToolOutput out = run(request.c_str(), 80);
  ASSERT_EQ(out.calls.size(), 1u);
  const Json arguments = Json::parse(out.calls[0].arguments);
  if (out.calls[0].name == "get_weather") {
    EXPECT_TRUE(arguments["city"].is_string()) << arguments.dump();
  } else {
    EXPECT_EQ(out.calls[0].name, "get_time");
    EXPECT_TRUE(arguments["zone"] == "UTC" || arguments["zone"] == "CET") << arguments.dump();
  }
}

TEST(ToolCallWithModel, NamedChoiceCallsThatFunction) {
  if (!std::filesystem::exists(yak::test::default_model_path()))
    GTEST_SKIP() << "default model missing (scripts/setup.sh)";
  const std::string request =
      std::string(R"({"messages": [{"role": "user", "content": "What is the weather in Paris?"}],
                      "tool_choice": {"type": "function", "function": {"name": "get_time"}}, )") +
      kTools + "}";
  const ParsedToolOutput out = run(request.c_str(), 60);
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "get_time");
  const Json arguments = Json::parse(out.calls[0].arguments);
  EXPECT_TRUE(arguments["zone"] == "UTC" || arguments["zone"] == "CET") << arguments.dump();
}

}  // namespace
}  // namespace yak::serve
