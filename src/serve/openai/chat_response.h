// Chat completion responses, from the scheduler's updates (yak/scheduler.h).
//
// Whole (chat.completion): {id, object, created, model, system_fingerprint, choices: [{index,
// message: {role: "assistant", content}, logprobs: {content: [...]} | null, finish_reason}],
// usage}.
// Streamed (chat.completion.chunk): per choice a first delta {role: "assistant", content: ""},
// then {content: "..."} deltas (each a whole number of UTF-8 characters, as the scheduler hands
// them over), then an empty delta with finish_reason; with include_usage every chunk carries
// "usage": null and a last chunk has "choices": [] and the usage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serve/openai/json_body.h"
#include "serve/openai/response_common.h"
#include "serve/openai/tool_call_response.h"
#include "yak/scheduler.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

// prompt_tokens: the prompt's size, for the usage of a request cut short before it ran.
// tools: the output is parsed for tool calls (tool_call_response.h); none: plain text.
class ChatResponse {
 public:
  ChatResponse(const Tokenizer& tokenizer, ResponseMeta meta, int32_t n, bool logprobs,
               int32_t prompt_tokens, std::optional<ToolOutputSpec> tools = std::nullopt);
  void add(const RequestUpdate& update);
  // Choices without a finish reason yet end as "length" (the server cut the request short).
  Json to_json() const;
  const UsageCounts& usage() const { return usage_; }

 private:
  struct Choice {
    std::string text;
    Json logprobs = Json::array();
    std::optional<StopReason> finished;
  };
  const Tokenizer& tokenizer_;
  ResponseMeta meta_;
  bool logprobs_;
  std::vector<Choice> choices_;
  UsageCounts usage_;
  std::optional<ToolOutputSpec> tools_;
  mutable ToolCallIds call_ids_;
};

class ChatStream {
 public:
  ChatStream(const Tokenizer& tokenizer, ResponseMeta meta, int32_t n, bool logprobs,
             bool include_usage, int32_t prompt_tokens,
             std::optional<ToolOutputSpec> tools = std::nullopt);
  ChatStream(const ChatStream&) = delete;  // tool_deltas_ point into call_ids_
  ChatStream& operator=(const ChatStream&) = delete;
  // The chunks this update makes, in order.
  std::vector<Json> add(const RequestUpdate& update);
  // A finish chunk ("length") for each choice that has none yet, then the usage chunk when
  // include_usage. Call once, before [DONE].
  std::vector<Json> end();
  const UsageCounts& usage() const { return usage_; }

 private:
  void start(std::vector<Json>& chunks);  // the role deltas, once
  Json chunk(Json choices) const;
  Json choice(int32_t index, Json delta, Json logprobs, const char* finish) const;
  // The deltas of a choice's new text (and, when `last`, of what the parser held back).
  std::vector<Json> text_deltas(int32_t index, const std::string& text, bool last);
  const char* finish_of(int32_t index, StopReason reason) const;

  const Tokenizer& tokenizer_;
  ResponseMeta meta_;
  int32_t n_;
  bool logprobs_;
  bool include_usage_;
  bool started_ = false;  // role deltas sent
  std::vector<bool> finished_;
  UsageCounts usage_;
  std::optional<ToolOutputSpec> tools_;
  ToolCallIds call_ids_;
  std::vector<ToolCallDeltas> tool_deltas_;  // one per choice, with tools
};

}  // namespace yak::serve
