#include "serve/openai/tool_call_response.h"

#include "serve/openai/chat_request.h"
#include "serve/openai/response_common.h"

namespace yak::serve {

std::optional<ToolOutputSpec> tool_output_spec(const ChatRequest& request) {
  if (!request.tools.active()) return std::nullopt;
  ToolOutputSpec spec;
  spec.format = request.tool_format;
  for (const ToolDefinition& tool : request.tools.tools) spec.names.push_back(tool.name);
  return spec;
}

ToolCallIds::ToolCallIds(ToolCallFormat format, uint64_t seed) : format_(format), random_(seed) {}

std::string ToolCallIds::next() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bool mistral = format_ == ToolCallFormat::kMistral;
  std::string id = mistral ? "" : "call_";
  for (int i = 0; i < (mistral ? 9 : 24); ++i) id += kAlphabet[random_() % (sizeof kAlphabet - 1)];
  return id;
}

namespace {

Json call_json(const ParsedToolCall& call, const std::string& id) {
  return Json{{"id", id},
              {"type", "function"},
              {"function", Json{{"name", call.name}, {"arguments", call.arguments}}}};
}

}  // namespace

Json tool_message_json(const ToolOutputSpec& spec, std::string_view text, ToolCallIds& ids,
                       bool* called) {
  const ParsedToolOutput parsed = parse_tool_output(spec.format, spec.names, text);
  Json message = Json{{"role", "assistant"}};
  *called = !parsed.calls.empty();
  if (!*called) {
    message["content"] = parsed.content;
    return message;
  }
  message["content"] = parsed.content.empty() ? Json(nullptr) : Json(parsed.content);
  Json calls = Json::array();
  for (const ParsedToolCall& call : parsed.calls) calls.push_back(call_json(call, ids.next()));
  message["tool_calls"] = std::move(calls);
  return message;
}

ToolCallDeltas::ToolCallDeltas(const ToolOutputSpec& spec, ToolCallIds& ids)
    : parser_(spec.format, spec.names), ids_(&ids) {}

std::vector<Json> ToolCallDeltas::push(std::string_view text) { return deltas(parser_.push(text)); }

std::vector<Json> ToolCallDeltas::finish() { return deltas(parser_.finish()); }

std::vector<Json> ToolCallDeltas::deltas(std::vector<ToolCallEvent> events) {
  std::vector<Json> out;
  for (ToolCallEvent& e : events) {
    if (!e.call) {
      out.push_back(Json{{"content", std::move(e.text)}});
      continue;
    }
    const int32_t index = calls_++;
    out.push_back(
        Json{{"tool_calls",
              Json::array({Json{{"index", index},
                                {"id", ids_->next()},
                                {"type", "function"},
                                {"function", Json{{"name", e.call->name}, {"arguments", ""}}}}})}});
    out.push_back(Json{
        {"tool_calls", Json::array({Json{{"index", index},
                                         {"function", Json{{"arguments", e.call->arguments}}}}})}});
  }
  return out;
}

const char* chat_finish_reason(StopReason reason, bool called) {
  const bool ended = reason == StopReason::kEndOfGeneration || reason == StopReason::kStopString;
  return called && ended ? "tool_calls" : finish_reason(reason);
}

}  // namespace yak::serve
