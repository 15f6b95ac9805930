#include "serve/openai/tool_call_grammar.h"

#include <fmt/format.h>

#include <memory>

#include "serve/openai/api_error.h"
#include "serve/openai/tool_call_format.h"
#include "yak/grammar.h"

namespace yak::serve {
namespace {

// Function names are [a-zA-Z0-9_-] (tool_request.cpp checks), so they need no escaping inside
// a GBNF literal; rule names use the tool's index, as GBNF names may not hold '_'.
std::string call_rule(ToolCallFormat format, size_t index, const std::string& name) {
  const std::string args = fmt::format("tool-{}-args", index);
  switch (format) {
    case ToolCallFormat::kHermes:
      return fmt::format(
          "tool-{} ::= \"<tool_call>\\n{{\\\"name\\\": \\\"{}\\\", \\\"arguments\\\": \" {} "
          "\"}}\\n</tool_call>\"\n",
          index, name, args);
    case ToolCallFormat::kLlama3:
      return fmt::format(
          "tool-{} ::= \"{{\\\"name\\\": \\\"{}\\\", \\\"parameters\\\": \" {} \"}}\"\n", index,
          name, args);
    case ToolCallFormat::kMistral:
    case ToolCallFormat::kGeneric:
    case ToolCallFormat::kAuto:
      break;
  }
  return fmt::format("tool-{} ::= \"{{\\\"name\\\": \\\"{}\\\", \\\"arguments\\\": \" {} \"}}\"\n",
                     index, name, args);
}

// root: the calls as the family writes them, `call` one of them.
std::string root_rule(ToolCallFormat format, bool parallel) {
  switch (format) {
    case ToolCallFormat::kHermes:
      return parallel ? "root ::= call (\"\\n\" call)*\n" : "root ::= call\n";
    case ToolCallFormat::kLlama3:
      return parallel ? "root ::= \"<|python_tag|>\"? call (\"\\n\" call)*\n"
                      : "root ::= \"<|python_tag|>\"? call\n";
    case ToolCallFormat::kMistral:
      return parallel ? "root ::= \"[TOOL_CALLS][\" call (\", \" call)* \"]\"\n"
                      : "root ::= \"[TOOL_CALLS][\" call \"]\"\n";
    case ToolCallFormat::kGeneric:
    case ToolCallFormat::kAuto:
      break;
  }
  return parallel ? "root ::= \"{\\\"tool_calls\\\": [\" call (\", \" call)* \"]}\"\n"
                  : "root ::= \"{\\\"tool_calls\\\": [\" call \"]}\"\n";
}

}  // namespace

std::optional<ToolCallGrammar> tool_call_grammar(ToolCallFormat format, const ToolRequest& request,
                                                 const SchemaToGbnf& schema_to_gbnf) {
  if (!request.active()) return std::nullopt;
  if (format == ToolCallFormat::kAuto) format = ToolCallFormat::kGeneric;
  // A named choice allows only its function, and one call of it.
  const bool named = request.choice == ToolChoice::kNamed;
  ToolCallGrammar g;
  g.gbnf = root_rule(format, request.parallel_calls && !named);
  std::string alternatives;
  std::string rules;
  for (size_t i = 0; i < request.tools.size(); ++i) {
    const ToolDefinition& tool = request.tools[i];
    if (named && tool.name != request.named) continue;
    alternatives += fmt::format("{}tool-{}", alternatives.empty() ? "" : " | ", i);
    rules += call_rule(format, i, tool.name);
    rules += schema_to_gbnf(tool.parameters, fmt::format("tool-{}-args", i));
    if (!rules.ends_with('\n')) rules += '\n';
  }
  g.gbnf += "call ::= " + alternatives + "\n" + rules;
  if (request.choice == ToolChoice::kAuto) g.triggers = tool_call_openers(format);
  return g;
}

void apply_tool_call_grammar(ToolCallFormat format, const ToolRequest& request,
                             GenerateOptions& options) {
  const auto schema_rules = [&](const Json& schema, std::string_view root) {
    try {
      return json_schema_to_gbnf(schema, root);
    } catch (const GrammarError& e) {
      // root is "tool-<index>-args"
      const std::string index(root.substr(5, root.size() - 10));
      const std::string param = "tools[" + index + "].function.parameters";
      throw invalid_field(param,
                          fmt::format("'{}' cannot constrain the calls: {}", param, e.what()));
    }
  };
  const std::optional<ToolCallGrammar> g = tool_call_grammar(format, request, schema_rules);
  if (!g) return;
  if (options.grammar)
    throw invalid_field("tools",
                        "'tools' cannot be combined with another constraint on the "
                        "output (response_format, grammar or json_schema)");
  try {
    options.grammar = std::make_shared<const Grammar>(Grammar::from_gbnf(g->gbnf));
  } catch (const GrammarError& e) {
    throw invalid_field(
        "tools", fmt::format("the grammar of these tools' calls does not build: {}", e.what()));
  }
  options.grammar_triggers = g->triggers;
}

}  // namespace yak::serve
