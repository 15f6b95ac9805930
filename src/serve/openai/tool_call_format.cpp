#include "serve/openai/tool_call_format.h"

#include <fmt/format.h>

namespace yak::serve {

ToolCallFormat detect_tool_call_format(std::string_view source) {
  const auto has = [&](std::string_view text) { return source.find(text) != std::string::npos; };
  if (has("<tool_call>")) return ToolCallFormat::kHermes;
  if (has("[TOOL_CALLS]")) return ToolCallFormat::kMistral;
  if (has("<|python_tag|>") || has("ipython")) return ToolCallFormat::kLlama3;
  return ToolCallFormat::kGeneric;
}

const char* tool_call_format_name(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kAuto:
      return "auto";
    case ToolCallFormat::kHermes:
      return "hermes";
    case ToolCallFormat::kLlama3:
      return "llama3";
    case ToolCallFormat::kMistral:
      return "mistral";
    case ToolCallFormat::kGeneric:
      return "generic";
  }
  return "generic";
}

std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name) {
  for (ToolCallFormat f : {ToolCallFormat::kAuto, ToolCallFormat::kHermes, ToolCallFormat::kLlama3,
                           ToolCallFormat::kMistral, ToolCallFormat::kGeneric})
    if (name == tool_call_format_name(f)) return f;
  return std::nullopt;
}

std::vector<std::string> tool_call_openers(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kHermes:
      return {"<tool_call>"};
    case ToolCallFormat::kLlama3:
      return {"<|python_tag|>", "{\"name\""};
    case ToolCallFormat::kMistral:
      return {"[TOOL_CALLS]"};
    case ToolCallFormat::kAuto:
    case ToolCallFormat::kGeneric:
      return {"{\"tool_calls\""};
  }
  return {};
}

namespace {

// {"name": "f", "<key>": {...}} with the spacing the families' own prompts show.
std::string call_object(const Json& call, const char* arguments_key) {
  const Json& function = call["function"];
  return fmt::format("{{\"name\": {}, \"{}\": {}}}", dump_json(function["name"]), arguments_key,
                     dump_json(function["arguments"]));
}

std::string joined_calls(const Json& calls, const char* arguments_key, const char* separator) {
  std::string out;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i > 0) out += separator;
    out += call_object(calls[i], arguments_key);
  }
  return out;
}

const char* call_example(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kHermes:
      return "<tool_call>\n{\"name\": <function name>, \"arguments\": <arguments as a JSON "
             "object>}\n</tool_call>\n(one such block for each call)";
    case ToolCallFormat::kLlama3:
      return "{\"name\": <function name>, \"parameters\": <arguments as a JSON object>}";
    case ToolCallFormat::kMistral:
      return "[TOOL_CALLS][{\"name\": <function name>, \"arguments\": <arguments as a JSON "
             "object>}]\n(one array item for each call)";
    case ToolCallFormat::kAuto:
    case ToolCallFormat::kGeneric:
      break;
  }
  return "{\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments as a JSON "
         "object>}]}\n(one array item for each call)";
}

}  // namespace

std::string write_tool_calls(ToolCallFormat format, const Json& calls) {
  switch (format) {
    case ToolCallFormat::kHermes: {
      std::string out;
      for (size_t i = 0; i < calls.size(); ++i)
        out += (i > 0 ? "\n" : "") + std::string("<tool_call>\n") +
               call_object(calls[i], "arguments") + "\n</tool_call>";
      return out;
    }
    case ToolCallFormat::kLlama3:
      return joined_calls(calls, "parameters", "\n");
    case ToolCallFormat::kMistral:
      return "[TOOL_CALLS][" + joined_calls(calls, "arguments", ", ") + "]";
    case ToolCallFormat::kAuto:
    case ToolCallFormat::kGeneric:
      break;
  }
  return "{\"tool_calls\": [" + joined_calls(calls, "arguments", ", ") + "]}";
}

std::string tool_instructions(ToolCallFormat format, const ToolRequest& request) {
  std::string text =
      "# Tools\n\nYou may call one or more of these functions to help with the user's request. "
      "Each is written as JSON: its name, what it does, and a JSON Schema of its arguments.\n"
      "<functions>\n";
  for (const ToolDefinition& tool : request.tools)
    text += dump_json(tool.template_json["function"]) + "\n";
  text += "</functions>\n\nTo call functions, reply with only this, and nothing after it:\n";
  text += call_example(format);
  text +=
      "\nThe results will come back in the next message. If no function is needed, answer "
      "normally.";
  if (request.choice == ToolChoice::kRequired) text += "\nYou must call at least one function now.";
  if (request.choice == ToolChoice::kNamed)
    text += fmt::format("\nYou must call the function {} now.", request.named);
  if (!request.parallel_calls) text += "\nCall at most one function.";
  return text;
}

}  // namespace yak::serve
