// POST /tokenize, POST /detokenize and GET /tokenizer_info, in the shapes vLLM gives them and
// lm-evaluation-harness's remote tokenizer reads (it takes eos_token from /tokenizer_info and
// turns it into an id through /tokenize, so control-token text tokenizes to the control token).
//
//   /tokenize    {"prompt" | "content": text, "add_special_tokens" | "add_special": bool}
//                -> {"count", "max_model_len", "tokens": [...]}
//                add_special defaults to true with "prompt" (vLLM) and false with "content"
//                (llama.cpp).
//   /detokenize  {"tokens": [...]} -> {"prompt": text}
//   /tokenizer_info -> {"tokenizer_class", "eos_token", "bos_token", "pad_token", "unk_token",
//                "add_bos_token", "add_eos_token", "chat_template", "model_max_length",
//                "vocab_size"}; absent tokens are null.
#pragma once

#include <cstdint>
#include <string>

#include "serve/openai/json_body.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

// Each throws ApiError 400 naming the field for a bad body.
Json tokenize_response(const Json& body, const Tokenizer& tokenizer, int32_t max_model_len);
Json detokenize_response(const Json& body, const Tokenizer& tokenizer);
Json tokenizer_info_response(const Tokenizer& tokenizer, const std::string& chat_template,
                             int32_t max_model_len);

}  // namespace yak::serve
