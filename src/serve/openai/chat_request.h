// POST /v1/chat/completions: the request's messages, checked and reduced to what a chat
// template reads, and the prompt they make. Message contents reach the template as data and
// are tokenized as plain text (ChatTemplate::render_prompt + Tokenizer::encode_prompt), so a
// client can never write control tokens such as <|im_start|> into the prompt.
#pragma once

#include <cstdint>
#include <vector>

#include "serve/openai/generation_params.h"
#include "serve/openai/json_body.h"
#include "serve/openai/request_bounds.h"
#include "serve/openai/tool_request.h"
#include "yak/server.h"

namespace yak {
class ChatTemplate;
class Tokenizer;
}  // namespace yak

namespace yak::serve {

struct ChatRequest {
  GenerationParams params;  // params.options.top_logprobs set from logprobs/top_logprobs
  // [{"role", "content" (a string)}, with "name", "tool_call_id" and "tool_calls"
  // (parse_message_tool_calls) when given]; "developer" becomes "system", text parts are
  // joined by "\n"; an assistant message with only tool calls has content "".
  Json messages;
  bool logprobs = false;
  ToolRequest tools;
  // How the model writes calls; the server sets it from the template (never kAuto then).
  ToolCallFormat tool_format = ToolCallFormat::kGeneric;
};

// Throws ApiError 400 naming the field for anything wrong or not supported yet.
ChatRequest parse_chat_request(const Json& body, const RequestBounds& bounds);

// Just the body's `messages`, checked and reduced as ChatRequest::messages says (also for
// /tokenize's chat form). Throws ApiError 400 naming the field.
Json parse_chat_messages(const Json& body, const RequestBounds& bounds);

// The prompt of `messages` (and `tools`, null or as tool_prompt makes them), with the
// generation prompt appended unless told not to. Throws ApiError 400 when the
// template refuses the conversation (its raise_exception message is passed on) or renders
// nothing.
std::vector<int32_t> chat_prompt_tokens(const ChatTemplate& chat_template,
                                        const Tokenizer& tokenizer, const Json& messages,
                                        const Json& tools = nullptr,
                                        bool add_generation_prompt = true);

}  // namespace yak::serve
