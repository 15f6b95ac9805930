#include "serve/openai/tool_prompt.h"

#include <fmt/format.h>

#include <string>

#include "serve/openai/tool_call_format.h"
#include "yak/chat_template.h"

namespace yak::serve {
namespace {

constexpr const char* kProbeName = "yak_probe_tool_5f2c";

std::string string_content(const Json& message) {
  const auto it = message.find("content");
  return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The name of the call `id` among the earlier assistant messages' calls ("" when unknown).
std::string call_name(const Json& messages, size_t before, const std::string& id) {
  for (size_t i = before; i-- > 0;) {
    const auto calls = messages[i].find("tool_calls");
    if (calls == messages[i].end()) continue;
    for (const Json& call : *calls)
      if (call["id"] == id) return call["function"]["name"].get<std::string>();
  }
  return {};
}

// The conversation with calls written into assistant text and results as user messages.
Json rewritten_history(const Json& messages, ToolCallFormat format) {
  Json out = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    const std::string role = m["role"].get<std::string>();
    if (role == "assistant" && m.contains("tool_calls")) {
      std::string text = string_content(m);
      if (!text.empty()) text += "\n";
      text += write_tool_calls(format, m["tool_calls"]);
      out.push_back(Json{{"role", "assistant"}, {"content", text}});
    } else if (role == "tool") {
      const std::string id = m.value("tool_call_id", "");
      const std::string name = call_name(messages, i, id);
      std::string result = fmt::format("Result of {} (call {}):\n{}",
                                       name.empty() ? "the function" : name, id, string_content(m));
      // Results of one turn's calls go together, as one user message.
      if (i > 0 && messages[i - 1]["role"] == "tool") {
        out.back()["content"] = out.back()["content"].get<std::string>() + "\n\n" + result;
      } else {
        out.push_back(Json{{"role", "user"}, {"content", std::move(result)}});
      }
    } else {
      out.push_back(m);
    }
  }
  return out;
}

}  // namespace

bool template_renders_tools(const ChatTemplate& chat_template, std::string_view bos,
                            std::string_view eos) {
  const Json messages = Json::array({Json{{"role", "user"}, {"content", "Hi"}}});
  const Json tools = Json::array(
      {Json{{"type", "function"},
            {"function",
             Json{{"name", kProbeName},
                  {"description", "probe"},
                  {"parameters", Json{{"type", "object"}, {"properties", Json::object()}}}}}}});
  try {
    const std::string text =
        chat_template.render(chat_template_context(messages, true, bos, eos, tools));
    return text.find(kProbeName) != std::string::npos;
  } catch (const ChatTemplateError&) {
    return false;
  }
}

ToolPrompt tool_prompt(const Json& messages, const ToolRequest& request, ToolCallFormat format,
                       bool renders_tools) {
  ToolPrompt p;
  if (renders_tools && format != ToolCallFormat::kGeneric) {
    p.messages = messages;
    p.tools = nullptr;
    if (request.active()) {
      p.tools = Json::array();
      for (const ToolDefinition& tool : request.tools) p.tools.push_back(tool.template_json);
    }
    return p;
  }
  p.messages = rewritten_history(messages, format);
  p.tools = nullptr;
  if (!request.active()) return p;
  const std::string instructions = tool_instructions(format, request);
  if (!p.messages.empty() && p.messages[0]["role"] == "system") {
    p.messages[0]["content"] = string_content(p.messages[0]) + "\n\n" + instructions;
  } else {
    p.messages.insert(p.messages.begin(), Json{{"role", "system"}, {"content", instructions}});
  }
  return p;
}

}  // namespace yak::serve
