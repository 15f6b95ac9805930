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

namespace yak {
class ChatTemplate;
class Tokenizer;
}  // namespace yak

namespace yak::serve {

struct ChatRequest {
  GenerationParams params;  // params.options.top_logprobs set from logprobs/top_logprobs
  // [{"role", "content" (a string)}, with "name" and "tool_call_id" when given]; "developer"
  // becomes "system", text parts are joined by "\n".
  Json messages;
  bool logprobs = false;
};

// Throws ApiError 400 naming the field for anything wrong or not supported yet.
ChatRequest parse_chat_request(const Json& body, const RequestBounds& bounds);

// The prompt of `messages` with the generation prompt appended. Throws ApiError 400 when the
// template refuses the conversation (its raise_exception message is passed on) or renders
// nothing.
std::vector<int32_t> chat_prompt_tokens(const ChatTemplate& chat_template,
                                        const Tokenizer& tokenizer, const Json& messages);

}  // namespace yak::serve
