#include "serve/openai/tool_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "serve/openai/api_error.h"
#include "serve/openai/fields.h"
#include "yak/text.h"

namespace yak::serve {
namespace {

std::string shown(const std::string& text) { return escape_for_terminal(text, '"', 80); }

// OpenAI's rule for function names; it also keeps names safe inside prompts and grammars.
bool valid_function_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

const Json& require_object(const Json& value, const std::string& param) {
  if (!value.is_object())
    throw invalid_field(param,
                        fmt::format("'{}' must be an object, got {}", param, json_kind(value)),
                        "invalid_type");
  return value;
}

std::string required_name(const Json& object, const std::string& param) {
  const std::optional<std::string> name = read_string(object, "name", param);
  if (!name) throw invalid_field(param, fmt::format("'{}' is required", param));
  if (!valid_function_name(*name))
    throw invalid_field(param, fmt::format("'{}' must be 1 to 64 letters, digits, '_' or '-', "
                                           "got \"{}\"",
                                           param, shown(*name)));
  return *name;
}

void require_function_type(const Json& object, const std::string& param) {
  const std::optional<std::string> type = read_string(object, "type", param);
  if (!type) throw invalid_field(param, fmt::format("'{}' is required", param));
  if (*type != "function")
    throw invalid_field(param,
                        fmt::format("'{}' must be \"function\", got \"{}\"", param, shown(*type)));
}

Json parse_parameters(const Json& function, const std::string& param) {
  const Json* parameters = field(function, "parameters");
  if (parameters == nullptr) return Json{{"type", "object"}, {"properties", Json::object()}};
  if (!parameters->is_object())
    throw invalid_field(
        param,
        fmt::format("'{}' must be a JSON Schema object, got {}", param, json_kind(*parameters)),
        "invalid_type");
  // Arguments are always a JSON object: a schema of anything else cannot describe them.
  if (const Json* type = field(*parameters, "type"); type != nullptr && *type != "object")
    throw invalid_field(param + ".type",
                        fmt::format("'{}.type' must be \"object\" (a function's arguments are "
                                    "a JSON object), got {}",
                                    param, type->dump()));
  return *parameters;
}

ToolDefinition parse_tool(const Json& tool, const std::string& param) {
  require_object(tool, param);
  require_function_type(tool, param + ".type");
  const Json* function = field(tool, "function");
  if (function == nullptr)
    throw invalid_field(param + ".function", fmt::format("'{}.function' is required", param));
  require_object(*function, param + ".function");
  ToolDefinition def;
  def.name = required_name(*function, param + ".function.name");
  const std::optional<std::string> description =
      read_string(*function, "description", param + ".function.description");
  def.parameters = parse_parameters(*function, param + ".function.parameters");
  const std::optional<bool> strict = read_bool(*function, "strict", param + ".function.strict");
  Json shown_function = Json{{"name", def.name}};
  if (description) shown_function["description"] = *description;
  shown_function["parameters"] = def.parameters;
  if (strict) shown_function["strict"] = *strict;
  def.template_json = Json{{"type", "function"}, {"function", std::move(shown_function)}};
  return def;
}

void parse_tool_choice(const Json& choice, ToolRequest& request) {
  if (choice.is_string()) {
    const std::string text = choice.get<std::string>();
    if (text == "none") {
      request.choice = ToolChoice::kNone;
    } else if (text == "auto") {
      request.choice = ToolChoice::kAuto;
    } else if (text == "required") {
      request.choice = ToolChoice::kRequired;
    } else {
      throw invalid_field("tool_choice", fmt::format("'tool_choice' must be \"none\", \"auto\", "
                                                     "\"required\" or a named function, got "
                                                     "\"{}\"",
                                                     shown(text)));
    }
  } else if (choice.is_object()) {
    require_function_type(choice, "tool_choice.type");
    const Json* function = field(choice, "function");
    if (function == nullptr)
      throw invalid_field("tool_choice.function", "'tool_choice.function' is required");
    require_object(*function, "tool_choice.function");
    request.choice = ToolChoice::kNamed;
    request.named = required_name(*function, "tool_choice.function.name");
  } else {
    throw invalid_field(
        "tool_choice",
        fmt::format("'tool_choice' must be a string or an object, got {}", json_kind(choice)),
        "invalid_type");
  }
}

}  // namespace

const ToolDefinition* ToolRequest::find(const std::string& name) const {
  for (const ToolDefinition& tool : tools)
    if (tool.name == name) return &tool;
  return nullptr;
}

ToolRequest parse_tool_request(const Json& body) {
  for (const char* legacy : {"functions", "function_call"})
    if (const Json* value = field(body, legacy);
        value != nullptr && !(value->is_array() && value->empty()) && *value != "none")
      throw unsupported_field(legacy, fmt::format("'{}' is OpenAI's deprecated form of tools and "
                                                  "is not supported: use 'tools' and "
                                                  "'tool_choice'",
                                                  legacy));
  ToolRequest request;
  if (const Json* tools = field(body, "tools")) {
    if (!tools->is_array())
      throw invalid_field("tools",
                          fmt::format("'tools' must be an array, got {}", json_kind(*tools)),
                          "invalid_type");
    if (tools->size() > 128)
      throw invalid_field(
          "tools", fmt::format("'tools' holds {} tools; at most 128 are allowed", tools->size()));
    std::set<std::string> names;
    for (size_t i = 0; i < tools->size(); ++i) {
      ToolDefinition tool = parse_tool((*tools)[i], indexed("tools", i));
      if (!names.insert(tool.name).second)
        throw invalid_field(
            indexed("tools", i) + ".function.name",
            fmt::format("'tools' holds two functions named \"{}\"", shown(tool.name)));
      request.tools.push_back(std::move(tool));
    }
  }
  request.choice = request.tools.empty() ? ToolChoice::kNone : ToolChoice::kAuto;
  if (const Json* choice = field(body, "tool_choice")) {
    parse_tool_choice(*choice, request);
    if (request.tools.empty() && request.choice != ToolChoice::kNone)
      throw invalid_field("tool_choice", "'tool_choice' is only allowed when 'tools' are given");
    if (request.choice == ToolChoice::kNamed && request.find(request.named) == nullptr)
      throw invalid_field("tool_choice.function.name",
                          fmt::format("'tool_choice' names the function \"{}\", which is not "
                                      "among 'tools'",
                                      shown(request.named)));
  }
  request.parallel_calls =
      read_bool(body, "parallel_tool_calls", "parallel_tool_calls").value_or(true);
  return request;
}

void reject_tool_fields(const Json& body, const char* route) {
  for (const char* name : {"tools", "tool_choice", "functions", "function_call"})
    if (const Json* value = field(body, name);
        value != nullptr && !(value->is_array() && value->empty()) && *value != "none")
      throw unsupported_field(
          name, fmt::format("'{}' is not supported on {}: tools are a chat completions feature",
                            name, route));
}

std::optional<Json> parse_arguments_object(const std::string& arguments) {
  if (arguments.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  Json value = Json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;
  return value;
}

Json parse_message_tool_calls(const Json& calls, const std::string& param) {
  if (!calls.is_array())
    throw invalid_field(param,
                        fmt::format("'{}' must be an array, got {}", param, json_kind(calls)),
                        "invalid_type");
  Json out = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string call_param = indexed(param, i);
    const Json& call = require_object(calls[i], call_param);
    const std::optional<std::string> id = read_string(call, "id", call_param + ".id");
    if (!id || id->empty())
      throw invalid_field(call_param + ".id", fmt::format("'{}.id' is required", call_param));
    require_function_type(call, call_param + ".type");
    const Json* function = field(call, "function");
    if (function == nullptr)
      throw invalid_field(call_param + ".function",
                          fmt::format("'{}.function' is required", call_param));
    require_object(*function, call_param + ".function");
    const std::string name = required_name(*function, call_param + ".function.name");
    const std::string args_param = call_param + ".function.arguments";
    const Json* arguments = field(*function, "arguments");
    std::optional<Json> parsed;
    if (arguments == nullptr) {
      parsed = Json::object();
    } else if (arguments->is_object()) {  // some clients send the object itself
      parsed = *arguments;
    } else if (arguments->is_string()) {
      parsed = parse_arguments_object(arguments->get<std::string>());
      if (!parsed)
        throw invalid_field(args_param,
                            fmt::format("'{}' must be a JSON object written as a string, got "
                                        "\"{}\"",
                                        args_param, shown(arguments->get<std::string>())));
    } else {
      throw invalid_field(
          args_param,
          fmt::format("'{}' must be a string, got {}", args_param, json_kind(*arguments)),
          "invalid_type");
    }
    out.push_back(Json{{"id", *id},
                       {"type", "function"},
                       {"function", Json{{"name", name}, {"arguments", std::move(*parsed)}}}});
  }
  return out;
}

}  // namespace yak::serve
