// The ways models write tool calls, and what Yak writes for each: which family a chat template
// belongs to, the strings that open a call, how a call is written back into a prompt, and the
// system message that describes the tools to a model whose template does not.
//
//   hermes   <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>   (Qwen2.5, Hermes)
//   llama3   {"name": "f", "parameters": {...}}, maybe after <|python_tag|>  (Llama 3.1-3.3)
//   mistral  [TOOL_CALLS][{"name": "f", "arguments": {...}}, ...]
//   generic  {"tool_calls": [{"name": "f", "arguments": {...}}, ...]}       (Yak's own)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/openai/json_body.h"
#include "serve/openai/tool_request.h"
#include "yak/server.h"

namespace yak::serve {

// The family a template's text shows ("<tool_call>" hermes, "[TOOL_CALLS]" mistral,
// "<|python_tag|>" or "ipython" llama3); generic when it shows none. Never kAuto.
ToolCallFormat detect_tool_call_format(std::string_view template_source);

const char* tool_call_format_name(ToolCallFormat format);
std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name);

// The strings that begin a call in the output; the lazy grammar's triggers.
std::vector<std::string> tool_call_openers(ToolCallFormat format);

// The calls of an assistant message (as parse_message_tool_calls makes them) written the way
// the model would have written them: the history, for templates that do not render calls.
std::string write_tool_calls(ToolCallFormat format, const Json& calls);

// Yak's system message text: the tools (name, description, parameters as JSON, one a line)
// and how to call them in `format`; for "required" and a named choice, that a call is due.
std::string tool_instructions(ToolCallFormat format, const ToolRequest& request);

}  // namespace yak::serve
