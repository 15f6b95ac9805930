// POST /v1/completions: prompts as a string, a list of strings, a list of token ids or a list
// of id lists (one choice per prompt and n, in OpenAI's order: index = prompt * n + choice),
// echo, and logprobs as a count of alternatives (0 to max_top_logprobs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "serve/openai/generation_params.h"
#include "serve/openai/json_body.h"
#include "serve/openai/request_bounds.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

struct PromptInput {
  bool is_text = true;
  std::string text;          // is_text
  std::vector<int32_t> ids;  // !is_text: ids checked against the vocabulary
};

struct CompletionsRequest {
  GenerationParams params;  // params.options.top_logprobs = logprobs
  std::vector<PromptInput> prompts;
  bool echo = false;
  int32_t logprobs = -1;  // -1: none
  // What CompletionRequest::prompt_logprobs asks for: logprobs when echoing, else -1.
  int32_t prompt_logprobs() const { return echo ? logprobs : -1; }
};

// Throws ApiError 400 naming the field. max_tokens defaults to 16, as OpenAI's does, and may
// be 0 (with echo and logprobs: the prompt's log-probabilities alone, what lm-evaluation-harness
// scores choices with).
CompletionsRequest parse_completions_request(const Json& body, const RequestBounds& bounds);

// A text prompt is tokenized as the model's tokenizer does with its special tokens (BOS where
// the model adds one; control-token text recognised, the prompt being the client's own raw
// text); ids are used as they are. Throws ApiError 400 when the prompt is empty.
std::vector<int32_t> completion_prompt_tokens(const Tokenizer& tokenizer, const PromptInput& prompt,
                                              size_t index);

}  // namespace yak::serve
