// The tool fields of a chat request, checked: `tools` (OpenAI's function tools),
// `tool_choice`, `parallel_tool_calls`, and the tool parts of messages (an assistant's
// `tool_calls`, `role: "tool"` results). Every refusal is a 400 naming the field. The legacy
// `functions` / `function_call` fields are refused with a pointer to `tools`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "serve/openai/json_body.h"

namespace yak::serve {

struct ToolDefinition {
  std::string name;    // [a-zA-Z0-9_-]{1,64}
  Json parameters;     // a JSON Schema of an object ({"type": "object"} when not given)
  Json template_json;  // {"type": "function", "function": {...}} as chat templates read it
};

enum class ToolChoice { kNone, kAuto, kRequired, kNamed };

struct ToolRequest {
  std::vector<ToolDefinition> tools;  // empty: the request offers none
  ToolChoice choice = ToolChoice::kNone;
  std::string named;           // the function tool_choice names (kNamed)
  bool parallel_calls = true;  // parallel_tool_calls
  // Whether the output is parsed for calls (tools offered and choice not "none").
  bool active() const { return !tools.empty() && choice != ToolChoice::kNone; }
  const ToolDefinition* find(const std::string& name) const;
};

// tools, tool_choice (default "auto" with tools, "none" without), parallel_tool_calls;
// refuses functions / function_call.
ToolRequest parse_tool_request(const Json& body);

// Refuses the tool fields on a route that has no tools (/v1/completions).
void reject_tool_fields(const Json& body, const char* route);

// An assistant message's `tool_calls`, as templates read them: [{"id", "type": "function",
// "function": {"name", "arguments"}}] with `arguments` parsed from its JSON string into an
// object, as transformers' templates expect (Qwen2.5, Llama 3.1 write `arguments | tojson`).
Json parse_message_tool_calls(const Json& calls, const std::string& param);

// The JSON value of a call's arguments string ("" counts as {}); nullopt when it is not a
// JSON object.
std::optional<Json> parse_arguments_object(const std::string& arguments);

}  // namespace yak::serve
