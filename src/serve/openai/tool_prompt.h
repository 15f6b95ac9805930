// What a chat template is given for a request with tools. A template that renders tools
// itself (Qwen2.5's, Llama 3.1's, ...) gets them, with the messages' tool calls and results
// as they are, so the model sees exactly what it was trained on. For a template that does not
// (SmolLM2's), or the generic format, Yak describes the tools in a system message
// (tool_instructions), writes earlier calls into the assistant messages' text the way the
// format writes them, and turns tool results into user messages, so that any template can
// render the conversation. tool_choice "none" shows the template no tools.
#pragma once

#include <string_view>

#include "serve/openai/json_body.h"
#include "serve/openai/tool_request.h"
#include "yak/server.h"

namespace yak {
class ChatTemplate;
}

namespace yak::serve {

// Whether the template shows the tools it is given (a render with a probe tool mentions it).
bool template_renders_tools(const ChatTemplate& chat_template, std::string_view bos,
                            std::string_view eos);

struct ToolPrompt {
  Json messages;
  Json tools;  // null, or the tools for the template
};

ToolPrompt tool_prompt(const Json& messages, const ToolRequest& request, ToolCallFormat format,
                       bool template_renders_tools);

}  // namespace yak::serve
