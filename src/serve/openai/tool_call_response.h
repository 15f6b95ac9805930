// Tool calls in chat responses, as OpenAI writes them. Whole: message {role, content (null
// when the model only called), tool_calls: [{id, type: "function", function: {name,
// arguments}}]}. Streamed: content deltas as usual; each call, once complete, as a first
// delta {tool_calls: [{index, id, type, function: {name, arguments: ""}}]} and then
// {tool_calls: [{index, function: {arguments}}]} carrying the arguments, so that the
// arguments deltas of a call, joined, equal the whole response's. finish_reason is
// "tool_calls" when the model called and then ended.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "serve/openai/json_body.h"
#include "serve/openai/tool_call_parser.h"
#include "yak/generate.h"
#include "yak/server.h"

namespace yak::serve {

struct ChatRequest;

// What a chat response parses its output for.
struct ToolOutputSpec {
  ToolCallFormat format = ToolCallFormat::kGeneric;
  std::vector<std::string> names;  // the offered functions
};

// None when the request calls no tools (no tools, or tool_choice "none").
std::optional<ToolOutputSpec> tool_output_spec(const ChatRequest& request);

// Call ids: "call_" and 24 letters and digits; for Mistral, whose templates insist, 9.
class ToolCallIds {
 public:
  ToolCallIds(ToolCallFormat format, uint64_t seed);
  std::string next();

 private:
  ToolCallFormat format_;
  std::mt19937_64 random_;
};

// The assistant message of a whole response whose output is `text`.
Json tool_message_json(const ToolOutputSpec& spec, std::string_view text, ToolCallIds& ids,
                       bool* called);

// One streamed choice's deltas.
class ToolCallDeltas {
 public:
  ToolCallDeltas(const ToolOutputSpec& spec, ToolCallIds& ids);
  std::vector<Json> push(std::string_view text);
  std::vector<Json> finish();
  bool called() const { return calls_ > 0; }

 private:
  std::vector<Json> deltas(std::vector<ToolCallEvent> events);
  ToolCallParser parser_;
  ToolCallIds* ids_;
  int32_t calls_ = 0;
};

// finish_reason of a choice that called tools ("tool_calls" when it ended by itself).
const char* chat_finish_reason(StopReason reason, bool called);

}  // namespace yak::serve
