// The grammar (GBNF text, yak/grammar.h) that makes a model's tool calls valid: calls, in the
// family's own format, to the offered functions (or the one tool_choice names), each with
// arguments that match the function's parameter schema. "required" and a named choice apply
// it to the whole output; "auto" applies it lazily, from the first opener the model writes
// (GenerateOptions::grammar_triggers), so that it may answer in prose instead.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/openai/json_body.h"
#include "serve/openai/tool_request.h"
#include "yak/generate.h"
#include "yak/server.h"

namespace yak::serve {

// yak::json_schema_to_gbnf's shape: the rules for a value of `schema`, the first named
// `root_rule` and the others prefixed with it.
using SchemaToGbnf = std::function<std::string(const Json& schema, std::string_view root_rule)>;

struct ToolCallGrammar {
  std::string gbnf;                   // its start rule is `root`
  std::vector<std::string> triggers;  // empty: the whole output must match
};

// None when the request calls no tools (no tools, or tool_choice "none"). Throws what
// `schema_to_gbnf` throws for a parameter schema it cannot express (a 400 for the caller).
std::optional<ToolCallGrammar> tool_call_grammar(ToolCallFormat format, const ToolRequest& request,
                                                 const SchemaToGbnf& schema_to_gbnf);

// Sets options.grammar (and grammar_triggers) for the request's tool calls, with the
// parameter schemas turned into rules by yak::json_schema_to_gbnf. Nothing when the request
// calls no tools. A parameter schema the grammar cannot express is an ApiError 400 naming
// "tools[i].function.parameters"; tools together with another constraint (response_format)
// are a 400 too.
void apply_tool_call_grammar(ToolCallFormat format, const ToolRequest& request,
                             GenerateOptions& options);

}  // namespace yak::serve
