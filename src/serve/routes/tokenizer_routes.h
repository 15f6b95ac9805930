// POST /tokenize, POST /detokenize and GET /tokenizer_info, in the shapes vLLM gives them and
// lm-evaluation-harness's remote tokenizer reads (it takes eos_token from /tokenizer_info and
// turns it into an id through /tokenize, so control-token text tokenizes to the control token).
//
//   /tokenize    {"prompt" | "content": text, "add_special_tokens" | "add_special": bool}
//                -> {"count", "max_model_len", "tokens": [...]}
//                add_special defaults to true with "prompt" (vLLM) and false with "content"
//                (llama.cpp). Or vLLM's chat form {"messages", "add_generation_prompt"
//                (default true), "tools", "tool_choice"}: the prompt exactly as
//                /v1/chat/completions would make it of the same fields (the chat page counts
//                a conversation against the context this way).
//   /detokenize  {"tokens": [...]} -> {"prompt": text}
//   /tokenizer_info -> {"tokenizer_class", "eos_token", "bos_token", "pad_token", "unk_token",
//                "add_bos_token", "add_eos_token", "chat_template", "model_max_length",
//                "vocab_size"}; absent tokens are null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serve/openai/json_body.h"
#include "serve/openai/request_bounds.h"
#include "serve/openai/tool_request.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

struct ChatTokenizeRequest {
  Json messages;  // as parse_chat_messages makes them
  ToolRequest tools;
  bool add_generation_prompt = true;
};

// Whether a /tokenize body is the chat form (it has "messages").
bool is_chat_tokenize_request(const Json& body);

// Each throws ApiError 400 naming the field for a bad body (for the chat form: bad messages
// or tools, or text fields beside them).
Json tokenize_response(const Json& body, const Tokenizer& tokenizer, int32_t max_model_len);
ChatTokenizeRequest parse_chat_tokenize_request(const Json& body, const RequestBounds& bounds);
Json detokenize_response(const Json& body, const Tokenizer& tokenizer);
// {"count", "max_model_len", "tokens"}
Json tokens_response(const std::vector<int32_t>& tokens, int32_t max_model_len);
Json tokenizer_info_response(const Tokenizer& tokenizer, const std::string& chat_template,
                             int32_t max_model_len);

}  // namespace yak::serve
