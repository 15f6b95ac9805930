#include "serve/openai/chat_request.h"

#include <fmt/format.h>

#include <set>
#include <string>

#include "serve/openai/api_error.h"
#include "serve/openai/fields.h"
#include "yak/chat_template.h"
#include "yak/text.h"
#include "yak/tokenizer.h"

namespace yak::serve {
namespace {

// The text of a message's content: a string, or an array of {"type": "text", "text": ...}.
std::string content_text(const Json& content, const std::string& param) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array())
    throw invalid_field(param,
                        fmt::format("'{}' must be a string or an array of text parts, got {}",
                                    param, json_kind(content)),
                        "invalid_type");
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const Json& part = content[i];
    const std::string part_param = indexed(param, i);
    if (!part.is_object())
      throw invalid_field(
          part_param, fmt::format("'{}' must be an object, got {}", part_param, json_kind(part)),
          "invalid_type");
    const std::string type_param = part_param + ".type";
    const std::optional<std::string> type = read_string(part, "type", type_param);
    if (!type) throw invalid_field(type_param, fmt::format("'{}' is required", type_param));
    if (*type != "text")
      throw unsupported_field(
          type_param, fmt::format("'{}' is \"{}\": only text parts are supported", type_param,
                                  escape_for_terminal(*type, '"', 40)));
    const std::string text_param = part_param + ".text";
    const std::optional<std::string> part_text = read_string(part, "text", text_param);
    if (!part_text) throw invalid_field(text_param, fmt::format("'{}' is required", text_param));
    // Parts are joined as lines, as vLLM does for templates that take string content.
    if (i > 0) text += '\n';
    text += *part_text;
  }
  return text;
}

Json parse_message(const Json& message, const std::string& param) {
  if (!message.is_object())
    throw invalid_field(param,
                        fmt::format("'{}' must be an object, got {}", param, json_kind(message)),
                        "invalid_type");
  const std::optional<std::string> role = read_string(message, "role", param + ".role");
  if (!role) throw invalid_field(param + ".role", fmt::format("'{}.role' is required", param));
  std::string template_role = *role;
  if (*role == "developer") {
    template_role = "system";  // OpenAI's newer name for the system message
  } else if (*role == "function") {
    throw unsupported_field(param + ".role",
                            "'function' messages are OpenAI's deprecated form of tool results "
                            "and are not supported: use role \"tool\" with a tool_call_id");
  } else if (*role != "system" && *role != "user" && *role != "assistant" && *role != "tool") {
    throw invalid_field(param + ".role",
                        fmt::format("'{}.role' must be system, developer, user, assistant or "
                                    "tool, got \"{}\"",
                                    param, escape_for_terminal(*role, '"', 40)));
  }
  if (field(message, "function_call") != nullptr)
    throw unsupported_field(param + ".function_call",
                            fmt::format("'{}.function_call' is OpenAI's deprecated form of "
                                        "tool_calls and is not supported: use tool_calls",
                                        param));
  Json tool_calls;
  if (const Json* calls = field(message, "tool_calls");
      calls != nullptr && !(calls->is_array() && calls->empty())) {
    if (*role != "assistant")
      throw invalid_field(
          param + ".tool_calls",
          fmt::format("'{}.tool_calls' is only allowed on assistant messages", param));
    tool_calls = parse_message_tool_calls(*calls, param + ".tool_calls");
  }
  const Json* content = field(message, "content");
  // An assistant message that only calls tools has no content (null, as OpenAI sends it).
  if (content == nullptr && tool_calls.is_null())
    throw invalid_field(param + ".content", fmt::format("'{}.content' is required", param));

  Json out = Json::object();
  out["role"] = template_role;
  out["content"] = content == nullptr ? std::string() : content_text(*content, param + ".content");
  if (!tool_calls.is_null()) out["tool_calls"] = std::move(tool_calls);
  if (auto name = read_string(message, "name", param + ".name")) out["name"] = *name;
  if (auto id = read_string(message, "tool_call_id", param + ".tool_call_id"))
    out["tool_call_id"] = *id;
  if (*role == "tool" && !out.contains("tool_call_id"))
    throw invalid_field(param + ".tool_call_id",
                        fmt::format("'{}.tool_call_id' is required on tool messages: it names "
                                    "the call this is the result of",
                                    param));
  return out;
}

// Each tool result answers a call an earlier assistant message made.
void check_tool_results(const Json& messages) {
  std::set<std::string> ids;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    if (const auto calls = m.find("tool_calls"); calls != m.end())
      for (const Json& call : *calls) ids.insert(call["id"].get<std::string>());
    if (m["role"] != "tool") continue;
    const std::string id = m["tool_call_id"].get<std::string>();
    if (ids.count(id) == 0)
      throw invalid_field(indexed("messages", i) + ".tool_call_id",
                          fmt::format("'{}.tool_call_id' is \"{}\", which no earlier "
                                      "assistant message's tool_calls holds",
                                      indexed("messages", i), escape_for_terminal(id, '"', 80)));
  }
}

}  // namespace

Json parse_chat_messages(const Json& body, const RequestBounds& bounds) {
  const Json* messages = field(body, "messages");
  if (messages == nullptr) throw invalid_field("messages", "'messages' is required");
  if (!messages->is_array())
    throw invalid_field("messages",
                        fmt::format("'messages' must be an array, got {}", json_kind(*messages)),
                        "invalid_type");
  if (messages->empty())
    throw invalid_field("messages", "'messages' must hold at least one message");
  if (messages->size() > static_cast<size_t>(bounds.limits.max_messages))
    throw invalid_field("messages", fmt::format("'messages' holds {} messages; at most {} are "
                                                "allowed",
                                                messages->size(), bounds.limits.max_messages));
  Json parsed = Json::array();
  for (size_t i = 0; i < messages->size(); ++i)
    parsed.push_back(parse_message((*messages)[i], indexed("messages", i)));
  check_tool_results(parsed);
  return parsed;
}

ChatRequest parse_chat_request(const Json& body, const RequestBounds& bounds) {
  reject_unsupported_fields(body);
  check_informational_fields(body);
  ChatRequest request;
  request.messages = parse_chat_messages(body, bounds);
  request.tools = parse_tool_request(body);

  request.params = parse_generation_params(body, bounds, /*default_max_tokens=*/-1,
                                           /*min_max_tokens=*/1);
  request.logprobs = read_bool(body, "logprobs", "logprobs").value_or(false);
  const std::optional<int64_t> top =
      read_int(body, "top_logprobs", "top_logprobs", 0, bounds.limits.max_top_logprobs);
  if (top && *top > 0 && !request.logprobs)
    throw invalid_field("top_logprobs", "'top_logprobs' requires 'logprobs' to be true");
  request.params.options.top_logprobs =
      request.logprobs ? static_cast<int32_t>(top.value_or(0)) : -1;
  return request;
}

std::vector<int32_t> chat_prompt_tokens(const ChatTemplate& chat_template,
                                        const Tokenizer& tokenizer, const Json& messages,
                                        const Json& tools, bool add_generation_prompt) {
  const std::string bos = tokenizer.bos() ? tokenizer.token_text(*tokenizer.bos()) : "";
  const std::string eos = tokenizer.eos() ? tokenizer.token_text(*tokenizer.eos()) : "";
  RenderedPrompt prompt;
  try {
    prompt = chat_template.render_prompt(
        chat_template_context(messages, add_generation_prompt, bos, eos, tools));
  } catch (const ChatTemplateError& e) {
    // raise_exception is how templates refuse a conversation ("roles must alternate"): the
    // client's to fix. Other template failures are reported the same way, with their position.
    const std::string message =
        e.kind() == ChatTemplateError::Kind::kRaised ? e.detail() : std::string(e.what());
    throw invalid_field("messages", "the model's chat template refused these messages: " +
                                        escape_for_terminal(message, 0, 500));
  }
  // The template writes BOS itself where the model wants one; only its own text may spell
  // control tokens.
  std::vector<int32_t> tokens = tokenizer.encode_prompt(prompt.text, prompt.data_spans);
  if (tokens.empty())
    throw invalid_field("messages",
                        "the chat template rendered an empty prompt for these messages");
  return tokens;
}

}  // namespace yak::serve
