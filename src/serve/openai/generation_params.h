// The fields chat and completions requests share: sampling (OpenAI's names and defaults, plus
// llama.cpp's top_k, min_p and repeat_penalty), stop strings, max_tokens, n, seed, logit_bias,
// streaming, the output's grammar (output_constraint.h); and the refusal of what is not
// supported yet (audio, ...), which is never silently ignored.
#pragma once

#include <cstdint>

#include "serve/openai/json_body.h"
#include "serve/openai/request_bounds.h"
#include "yak/generate.h"

namespace yak::serve {

struct GenerationParams {
  // sampling, stop, max_new_tokens (-1: until the end of generation or of the context);
  // top_logprobs is left at -1 for the caller, whose field it is.
  GenerateOptions options;
  int32_t n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// OpenAI's defaults: temperature 1, top_p 1, no top_k, min_p or repeat penalty (so that a seed at
// temperature 1 reproduces what OpenAI's semantics promise). `default_max_tokens` applies when
// neither max_tokens nor max_completion_tokens is given (-1: no limit); `min_max_tokens` is 0
// where max_tokens 0 means something (completions with echo), else 1.
GenerationParams parse_generation_params(const Json& body, const RequestBounds& bounds,
                                         int32_t default_max_tokens, int32_t min_max_tokens);

// Throws ApiError 400 "not supported yet" for audio and non-text modalities. (Tools:
// tool_request.h.)
void reject_unsupported_fields(const Json& body);

// Checks `model` and `user` for type (their values do not change what is generated).
void check_informational_fields(const Json& body);

}  // namespace yak::serve
